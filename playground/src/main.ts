/**
 * The Loom playground: pick or edit a spec (checked as you type, with the CLI's diagnostics),
 * see its architecture, compile it onto the tab's WebGPU device and generate text or classify a
 * drawn digit, then look at the attention maps the device computed.
 */
import { type ReadBundleResult, pageDevice } from "../../src/api/browser.ts";
import { hideAttention, offerLayers, watchAttentionChoices } from "./attention-view.ts";
import { watchBundleInputs } from "./bundle-input.ts";
import { checkText, editorDiagnostics, renderReport } from "./check.ts";
import { architectureSvg, fitLabels } from "./diagram.ts";
import { classify, clearClasses, clearPad, enableDrawing, imageInput } from "./digit-pad.ts";
import { createEditor, openSpec } from "./editor.ts";
import { FIRST_SPEC, PICKABLE, SPEC_FILES } from "./examples.ts";
import { languageServerFor, startLanguageServer } from "./language-client.ts";
import { canGenerate, clearGeneration, offerGeneration, runGeneration } from "./generate-panel.ts";
import { bundleReport, loadBundle, loadSpec, type PageModel } from "./load-model.ts";
import { clearSearch, runSearch, searchSignature } from "./search-panel.ts";
import { markStale, type Origin, staleDiagramMessage, staleModelMessage } from "./stale.ts";

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;

let path = FIRST_SPEC;
let loaded: (PageModel & { origin: Origin }) | undefined;
/** The spec the architecture diagram was drawn from. */
let drawn: string | undefined;

/** The run panel's state, also read by the browser tests: loading, ready, running, done, error. */
function status(state: string, message = ""): void {
  $("#run").dataset["status"] = state;
  $("#run-message").textContent = state === "error" ? message : "";
  if (state !== "error") $("#load-status").textContent = message;
}

function progress(phase: string, fraction: number): void {
  const bar = $<HTMLProgressElement>("#load-progress");
  bar.hidden = false;
  bar.value = fraction;
  // The phases this load has shown, in order (read by the browser test).
  const phases = (bar.dataset["phases"] ?? "").split(",").filter(Boolean);
  if (phases.at(-1) !== phase) bar.dataset["phases"] = [...phases, phase].join(",");
  $("#load-status").textContent = `${phase} ${Math.round(100 * fraction)}%`;
}

/** Checks the editor's text; the diagram and the loaded model's panels follow it or say they are stale. */
function check(text: string) {
  const result = checkText(path, text);
  const report = $("#diagnostics");
  report.textContent = renderReport(path, result);
  report.classList.toggle("clean", result.diagnostics.length === 0);
  const ir = result.models.find((m) => m.ir)?.ir;
  if (ir) {
    $("#diagram").innerHTML = architectureSvg(ir);
    fitLabels($("#diagram"));
    drawn = path;
  }
  markStale($("#architecture"), ir || !drawn ? undefined : staleDiagramMessage(drawn, path));
  const stale = loaded && staleModelMessage(loaded.origin, loaded.ir.model, text);
  markStale($("#run"), stale);
  markStale(
    $("#attention"),
    stale && "Stale: this map is of the model compiled from an earlier version of the spec.",
  );
  return editorDiagnostics(path, result.diagnostics);
}

/** Empties what a model showed: its output, classes and attention map. */
function clearResults(): void {
  clearGeneration();
  clearClasses();
  clearSearch();
  hideAttention();
}

/** Drops the loaded model (another spec was picked): the Run panel offers to compile the new one. */
function unload(): void {
  loaded?.model.destroy();
  loaded = undefined;
  delete $("#run").dataset["model"];
  $("#generate").hidden = true;
  $("#digits").hidden = true;
  $("#search").hidden = true;
  clearResults();
  markStale($("#run"), undefined);
  markStale($("#attention"), undefined);
  status("idle", `press "Compile and load" to run ${path.replace(/^specs\//, "")}`);
}

/** Shows the panels a newly loaded model can use. */
function show(model: PageModel, origin: Origin): void {
  loaded?.model.destroy();
  loaded = { ...model, origin };
  $("#run").dataset["model"] = model.ir.model;
  clearResults();
  const generate = canGenerate(model);
  $("#generate").hidden = generate !== true;
  $("#digits").hidden = imageInput(model) === undefined;
  const searchable = searchSignature(model) !== undefined;
  $("#search").hidden = !searchable;
  if (searchable) clearSearch();
  if (generate === true) offerGeneration(model);
  offerLayers(model);
  $<HTMLProgressElement>("#load-progress").hidden = true;
  const can = generate === true || imageInput(model) || searchable ? "" : ` — ${generate}`;
  status("ready", `${model.ir.model} on ${model.acquired.description}, ${model.weightsNote}${can}`);
}

async function load(making: () => Promise<PageModel | string>, origin: Origin): Promise<void> {
  status("loading", "loading…");
  delete $<HTMLProgressElement>("#load-progress").dataset["phases"];
  $<HTMLButtonElement>("#compile").disabled = true;
  try {
    const made = await making();
    if (typeof made === "string") status("error", made);
    else if (origin !== "bundle" && origin.path !== path) {
      made.model.destroy(); // another spec was picked while this one loaded
      unload();
    } else show(made, origin);
  } catch (error) {
    status("error", (error as Error).message);
  } finally {
    $<HTMLButtonElement>("#compile").disabled = false;
  }
}

async function openBundle(read: () => Promise<ReadBundleResult>): Promise<void> {
  await load(async () => {
    const result = await read();
    $("#bundle-diagnostics").textContent = bundleReport(result);
    return loadBundle(result, progress);
  }, "bundle");
}

async function busy(
  task: (model: PageModel, report: (m: string) => void) => Promise<void>,
): Promise<void> {
  if (!loaded) return;
  status("running");
  let failed = false;
  await task(loaded, (message) => {
    failed = true;
    status("error", message);
  });
  if (!failed) status("done", $("#load-status").textContent ?? "");
}

function start(): void {
  const picker = $<HTMLSelectElement>("#spec-picker");
  picker.replaceChildren(...PICKABLE.map((p) => new Option(p.replace(/^specs\//, ""), p)));
  picker.value = path;
  const editor = createEditor($("#editor"), check);
  const server = startLanguageServer();
  const showPicked = (): void => {
    openSpec(editor, SPEC_FILES.get(path)!, languageServerFor(server, path));
    check(SPEC_FILES.get(path)!);
  };
  showPicked();
  picker.addEventListener("change", () => {
    path = picker.value;
    unload();
    showPicked();
  });
  $("#compile").addEventListener("click", () => {
    const text = editor.state.doc.toString();
    void load(() => loadSpec(path, text, progress), { path, text });
  });
  $("#generate-button").addEventListener("click", () => void busy(runGeneration));
  $("#classify").addEventListener("click", () => void busy(classify));
  $("#search-button").addEventListener("click", () => void busy(runSearch));
  $("#clear-pad").addEventListener("click", clearPad);
  enableDrawing();
  watchAttentionChoices();
  watchBundleInputs(
    (read) => void openBundle(read),
    (received, total) => progress("download weights", total > 0 ? received / total : 0),
  );
  pageDevice().then(
    (a) =>
      ($("#adapter").textContent = `WebGPU: ${a.description}${a.kind === "cpu" ? " (CPU)" : ""}`),
    (error: Error) => ($("#adapter").textContent = error.message),
  );
  status("idle");
}

start();
