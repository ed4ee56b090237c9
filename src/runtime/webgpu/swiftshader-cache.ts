import { createReadStream, createWriteStream, existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createBrotliDecompress } from "node:zlib";
import tar from "tar-stream";

/** The npm package whose `bin/swiftshader.tar.br` carries SwiftShader and a Vulkan loader. */
export const SWIFTSHADER_PACKAGE = "@sparticuz/chromium";

/** The files Loom takes from the archive (it also holds ANGLE's GL libraries, which Dawn does not use). */
const WANTED = ["libvk_swiftshader.so", "libvulkan.so.1", "vk_swiftshader_icd.json"];

/** SwiftShader unpacked from the npm package: its ICD manifest and the Khronos loader beside it. */
export interface CachedSwiftShader {
  icd: string;
  loader: string;
  /** The package and version the files came from, e.g. `@sparticuz/chromium 147.0.0`. */
  source: string;
}

/** Where unpacked files live: `$XDG_CACHE_HOME/loom`, else `~/.cache/loom`. */
export function loomCacheDir(): string {
  return join(process.env["XDG_CACHE_HOME"] || join(homedir(), ".cache"), "loom");
}

/** The installed package's folder and version, or undefined when npm did not install it. */
function findPackage(): { dir: string; version: string } | undefined {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve(SWIFTSHADER_PACKAGE);
  } catch {
    return undefined;
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (!existsSync(manifest)) continue;
    const { name, version } = JSON.parse(readFileSync(manifest, "utf8")) as Record<string, string>;
    if (name === SWIFTSHADER_PACKAGE && version) return { dir, version };
  }
  return undefined;
}

/** Writes the wanted plain files of a brotli-compressed tar archive into `target`. */
async function unpack(archive: string, target: string): Promise<void> {
  const extract = tar.extract();
  const feeding = pipeline(createReadStream(archive), createBrotliDecompress(), extract);
  const writing = (async () => {
    for await (const entry of extract) {
      const { name, type, mode } = entry.header;
      if (type === "file" && WANTED.includes(name))
        await pipeline(entry, createWriteStream(join(target, name), { mode: mode ?? 0o644 }));
      else entry.resume();
    }
  })();
  await Promise.all([feeding, writing]);
  const missing = WANTED.filter((name) => !existsSync(join(target, name)));
  if (missing.length) throw new Error(`${archive} lacks ${missing.join(", ")}`);
}

/**
 * SwiftShader from the npm package, unpacked on first use into the cache folder keyed by the
 * package's version. The files are written to a fresh temporary folder renamed into place, so a
 * process racing this one either wins the rename or finds the complete folder. Returns a reason
 * (a sentence) instead when the package is missing or was built for another platform.
 */
export async function cachedSwiftShader(): Promise<CachedSwiftShader | string> {
  if (process.platform !== "linux" || process.arch !== "x64")
    return `${SWIFTSHADER_PACKAGE} carries SwiftShader for linux-x64 only, not ${process.platform}-${process.arch}`;
  const found = findPackage();
  if (!found) return `the optional package ${SWIFTSHADER_PACKAGE} is not installed`;
  const archive = join(found.dir, "bin", "swiftshader.tar.br");
  if (!existsSync(archive)) return `${SWIFTSHADER_PACKAGE} ${found.version} has no ${archive}`;
  const root = loomCacheDir();
  const final = join(root, `swiftshader-${found.version}`);
  const files = (dir: string): CachedSwiftShader => ({
    icd: join(dir, "vk_swiftshader_icd.json"),
    loader: join(dir, "libvulkan.so.1"),
    source: `${SWIFTSHADER_PACKAGE} ${found.version}`,
  });
  if (existsSync(final)) return files(final);
  await mkdir(root, { recursive: true });
  const temporary = await mkdtemp(join(root, `.swiftshader-${found.version}-`));
  try {
    await unpack(archive, temporary);
    await rename(temporary, final);
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    // Another process renamed its complete copy into place first.
    if (!existsSync(final)) throw error;
  }
  return files(final);
}
