/**
 * Which spec each panel shows. The architecture follows the editor's last version that checked;
 * the Run and Attention panels follow the model loaded, compiled from some version of a spec (or
 * read from a bundle). A panel that no longer matches the editor shows its stale banner and
 * carries `data-stale` (read by the browser tests and the styles).
 */

/** Where the loaded model came from: a spec's text as compiled, or a bundle (which no edit stales). */
export type Origin = { path: string; text: string } | "bundle";

/** Shows `message` in the panel's stale banner, or hides the banner when it is undefined. */
export function markStale(panel: HTMLElement, message: string | undefined): void {
  const banner = panel.querySelector<HTMLElement>(".stale-banner")!;
  banner.hidden = message === undefined;
  banner.textContent = message ?? "";
  panel.toggleAttribute("data-stale", message !== undefined);
}

/** Why the diagram of `shown` is stale while the editor holds `path` with errors. */
export function staleDiagramMessage(shown: string, path: string): string {
  return shown === path
    ? `Stale: this is the last version of ${path} that checked. Fix the errors in the spec to update it.`
    : `Stale: this is ${shown}; ${path} has errors, so it cannot be drawn yet.`;
}

/** Why the loaded model is stale for the editor's `text`, or undefined while it is current. */
export function staleModelMessage(
  origin: Origin | undefined,
  model: string,
  text: string,
): string | undefined {
  if (origin === undefined || origin === "bundle" || origin.text === text) return undefined;
  return `Stale: ${model} was compiled from an earlier version of ${origin.path}. Press "Compile and load" to run the spec as it is now.`;
}
