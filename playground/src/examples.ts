/** The specs/ examples, bundled into the page, and the trained weights that go with three of them. */
import mobyWeights from "../../weights/tiny-gpt-moby.safetensors?url";
import mnistWeights from "../../weights/tiny-vit-mnist.safetensors?url";
import sentenceWeights from "../../weights/tiny-sentence-encoder.safetensors?url";

const texts = import.meta.glob<string>("../../specs/**/*.loom", {
  query: "?raw",
  import: "default",
  eager: true,
});

/** Every spec file by its path in the repository (`specs/tiny-gpt.loom`, `specs/blocks/llama.loom`). */
export const SPEC_FILES: ReadonlyMap<string, string> = new Map(
  Object.entries(texts).map(([path, text]) => [path.replace(/^(\.\.\/)+/, ""), text]),
);

/** A bundled spec file's text; throws for a path that is not among them (an include gone wrong). */
export function readSpecFile(path: string): string {
  const text = SPEC_FILES.get(path);
  if (text === undefined) throw new Error(`${path} is not among the playground's specs`);
  return text;
}

/** The document URI the editor and the language server know a spec path by, and back. */
export const specUri = (path: string): string => `file:///${path}`;
export const specPath = (uri: string): string => uri.replace(/^file:\/\/\//, "");

/** Trained weights by spec path (the rest run with seeded weights). */
export const TRAINED: Readonly<Record<string, string>> = {
  "specs/tiny-gpt-moby.loom": mobyWeights,
  "specs/tiny-vit-mnist.loom": mnistWeights,
  "specs/tiny-sentence-encoder.loom": sentenceWeights,
};

/** The specs a user can pick: models, not the shared blocks; trained and tiny ones first. */
export const PICKABLE = [...SPEC_FILES.keys()]
  .filter((p) => !p.startsWith("specs/blocks/"))
  .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));

function rank(path: string): number {
  if (path in TRAINED) return 0;
  return path.includes("/tiny-") ? 1 : 2;
}

/** The spec the page opens with. */
export const FIRST_SPEC = "specs/tiny-gpt-moby.loom";
