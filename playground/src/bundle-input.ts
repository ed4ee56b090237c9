/** Bundles from the user: a URL typed in, a folder (or its files) dropped on the page, or a folder chosen. */
import {
  type ReadBundleResult,
  bundleFromGivenFiles,
  fetchBundle,
  type ByteProgress,
} from "../../src/api/browser.ts";

/** Every file under a dropped entry, with its path relative to what was dropped. */
async function entryFiles(entry: FileSystemEntry): Promise<{ path: string; file: File }[]> {
  if (entry.isFile)
    return [
      {
        path: entry.fullPath.replace(/^\//, ""),
        file: await new Promise<File>((resolve, reject) =>
          (entry as FileSystemFileEntry).file(resolve, reject),
        ),
      },
    ];
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const children: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) break;
    children.push(...batch);
  }
  return (await Promise.all(children.map(entryFiles))).flat();
}

/** Reads a drop: folders walked, files taken as they are. */
export async function droppedBundle(data: DataTransfer): Promise<ReadBundleResult> {
  const entries = [...data.items]
    .map((item) => item.webkitGetAsEntry())
    .filter((e): e is FileSystemEntry => e !== null);
  const files =
    entries.length > 0
      ? (await Promise.all(entries.map(entryFiles))).flat()
      : [...data.files].map((file) => ({ path: file.name, file }));
  return bundleFromGivenFiles(files);
}

/** Reads the files of a folder chosen in a file input (their paths relative to its parent). */
async function chosenBundle(files: FileList): Promise<ReadBundleResult> {
  return bundleFromGivenFiles(
    [...files].map((file) => ({ path: file.webkitRelativePath || file.name, file })),
  );
}

/** Wires the URL field, the drop zone and the folder picker to `open`. */
export function watchBundleInputs(
  open: (read: () => Promise<ReadBundleResult>) => void,
  progress: ByteProgress,
): void {
  const url = document.querySelector<HTMLInputElement>("#bundle-url")!;
  document.querySelector("#bundle-fetch")!.addEventListener("click", () => {
    if (url.value.trim())
      open(() => fetchBundle(new URL(url.value.trim(), location.href).href, { progress }));
  });
  const zone = document.querySelector<HTMLElement>("#drop-zone")!;
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    const data = e.dataTransfer;
    if (data) open(() => droppedBundle(data));
  });
  const folder = document.querySelector<HTMLInputElement>("#bundle-folder")!;
  folder.addEventListener("change", () => {
    const files = folder.files;
    if (files && files.length > 0) open(() => chosenBundle(files));
  });
}
