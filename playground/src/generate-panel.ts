/** Text generation in the page: the prompt, the sampling controls, tokens streamed as produced. */
import { generationPlan, generateOnDevice } from "../../src/api/browser.ts";
import { showAttention } from "./attention-view.ts";
import type { PageModel } from "./load-model.ts";

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;
const numberOf = (selector: string) => Number($<HTMLInputElement>(selector).value);

/** Whether the model can generate here (a decoder with no encoder input), or why not. */
export function canGenerate(model: PageModel): true | string {
  const plan = generationPlan(model.ir);
  if ("error" in plan) return plan.error;
  if (plan.fixedInputs.length > 0)
    return "encoder-decoder models need a source as well: run them with `loom generate --source`";
  return true;
}

/** The prompt's token ids: its text through the tokenizer, or comma-separated ids without one. */
function promptIds(model: PageModel, text: string): number[] {
  if (model.tokenizer) return model.tokenizer.encode(text);
  const ids = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (ids.some((id) => !Number.isInteger(id) || id < 0))
    throw new RangeError("this model has no tokenizer: give the prompt as token ids, e.g. 1, 2, 3");
  return ids;
}

/** Sets up the panel for a model that can generate. */
export function offerGeneration(model: PageModel): void {
  const prompt = $<HTMLInputElement>("#prompt");
  prompt.value = model.tokenizer ? "Call me" : "1, 2, 3";
  clearGeneration();
}

/** Empties the output: what a model other than the one generating must not show. */
export function clearGeneration(): void {
  $("#output-prompt").textContent = "";
  $("#output-text").textContent = "";
  delete $("#output-text").dataset["tokens"];
}

/** Generates from the prompt with the panel's settings, streaming into the output. */
export async function runGeneration(
  model: PageModel,
  report: (message: string) => void,
): Promise<void> {
  const plan = generationPlan(model.ir);
  if ("error" in plan) return report(plan.error);
  const output = $("#output-text");
  let prompt: number[];
  try {
    prompt = promptIds(model, $<HTMLInputElement>("#prompt").value);
    if (prompt.length === 0)
      throw new RangeError("the prompt is empty: type at least one character");
  } catch (error) {
    return report((error as Error).message);
  }
  const input = model.ir.inputs.find((i) => i.name === plan.stepInput);
  const bound = model.ir.symbols.find((s) => s.name === input?.shape[1])?.bound;
  const tokenizer = model.tokenizer;
  $("#output-prompt").textContent = tokenizer ? tokenizer.decode(prompt) : prompt.join(", ");
  output.textContent = "";
  const produced: number[] = [];
  output.dataset["tokens"] = "";
  const stream = generateOnDevice(model.model, prompt, {
    maxTokens: numberOf("#max-tokens"),
    temperature: numberOf("#temperature"),
    topK: numberOf("#top-k"),
    topP: numberOf("#top-p"),
    seed: numberOf("#seed"),
    stopTokens: tokenizer?.eos !== undefined ? [tokenizer.eos] : [],
    ...(bound ? { maxPositions: bound } : {}),
  });
  try {
    for await (const token of stream) {
      produced.push(token);
      output.dataset["tokens"] = produced.join(",");
      output.textContent = tokenizer ? tokenizer.decode(produced) : produced.join(", ");
    }
  } catch (error) {
    return report((error as Error).message);
  }
  const labels = prompt.map((id) => (tokenizer ? tokenizer.decode([id]) : String(id)));
  await showAttention(model, labels);
}
