/**
 * Semantic search in the page: a sentence encoder (specs/tiny-sentence-encoder.loom) embeds the
 * held-out Moby-Dick passages (examples/moby-passages.json) on the tab's device, once per loaded
 * model, then each query; cosine similarity ranks the passages.
 */
import {
  embeddingSignature,
  embedTexts,
  rankBySimilarity,
  type EmbeddingSignature,
} from "../../src/api/browser.ts";
import passages from "../../examples/moby-passages.json" with { type: "json" };
import type { PageModel } from "./load-model.ts";

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;

/** Passages shown per query. */
const TOP = 5;

/** The corpus's embeddings for the model that computed them. */
let corpus: { model: PageModel; vectors: Float32Array[] } | undefined;

/** The model's embedding signature when it can embed text here, else undefined. */
export function searchSignature(model: PageModel): EmbeddingSignature | undefined {
  if (!model.tokenizer) return undefined;
  try {
    const batch = model.model.plan.sizes;
    return embeddingSignature(model.ir, { maxBatch: batch.max[batch.batch] ?? 1 });
  } catch {
    return undefined;
  }
}

/** Empties the results: what a model other than the one that ranked them must not show. */
export function clearSearch(): void {
  $("#search-results").replaceChildren();
  $("#search-note").textContent = `${passages.length} passages of Moby-Dick`;
}

/** Embeds the corpus (first time for this model), then the query, and lists the best passages. */
export async function runSearch(
  model: PageModel,
  report: (message: string) => void,
): Promise<void> {
  const signature = searchSignature(model);
  const query = $<HTMLInputElement>("#search-query").value.trim();
  if (!signature) return report("this model cannot embed text");
  if (!query) return report("type what to look for");
  const forward = async (inputs: Parameters<typeof model.model.forward>[0]) =>
    (await model.model.forward(inputs)).outputs;
  if (corpus?.model !== model) {
    $("#search-note").textContent = `embedding ${passages.length} passages…`;
    const embedded = await embedTexts(signature, model.tokenizer!, passages, forward);
    corpus = { model, vectors: embedded.vectors };
  }
  const [asked] = (await embedTexts(signature, model.tokenizer!, [query], forward)).vectors;
  const ranked = rankBySimilarity(asked!, corpus.vectors).slice(0, TOP);
  $("#search-note").textContent =
    `the ${TOP} closest of ${passages.length} passages (cosine similarity)`;
  $("#search-results").replaceChildren(
    ...ranked.map(({ index, score }) => {
      const item = document.createElement("li");
      item.dataset["passage"] = String(index);
      const value = document.createElement("span");
      value.className = "score";
      value.textContent = score.toFixed(3);
      item.append(value, ` ${passages[index]}`);
      return item;
    }),
  );
}
