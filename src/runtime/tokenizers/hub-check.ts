/**
 * What Loom reads of a Hugging Face tokenizer.json: the component types (and options) that
 * @huggingface/tokenizers reproduces exactly as the Rust `tokenizers` library does. Anything else
 * is refused (E0542) rather than tokenized differently from the checkpoint.
 */
import type { TokenizerError } from "./tokenizer.ts";

/** Supported `type`s of each component, with the options they must not set. */
export const SUPPORTED = {
  model: ["BPE", "WordPiece", "Unigram"],
  normalizer: [
    "BertNormalizer",
    "Precompiled",
    "Sequence",
    "Replace",
    "Prepend",
    "NFC",
    "NFD",
    "NFKC",
    "NFKD",
    "Strip",
    "StripAccents",
    "Lowercase",
  ],
  pre_tokenizer: [
    "BertPreTokenizer",
    "ByteLevel",
    "Metaspace",
    "Whitespace",
    "WhitespaceSplit",
    "Split",
    "Digits",
    "Sequence",
  ],
  post_processor: [
    "TemplateProcessing",
    "BertProcessing",
    "RobertaProcessing",
    "ByteLevel",
    "Sequence",
  ],
  decoder: [
    "ByteLevel",
    "WordPiece",
    "Metaspace",
    "CTC",
    "Replace",
    "Fuse",
    "Strip",
    "ByteFallback",
    "Sequence",
  ],
} as const;

type Component = keyof typeof SUPPORTED;

/** Why some types that checkpoints use are refused (the library has them, but they differ from Rust). */
const WHY_NOT: Readonly<Record<string, string>> = {
  Punctuation:
    "@huggingface/tokenizers keeps a run of punctuation together where Rust splits off each mark",
  BPEDecoder: "it decodes a BPE end-of-word suffix, which the library does not reproduce",
};

/** The list a Sequence of each component holds its parts in. */
const SEQUENCE_KEYS: Record<Exclude<Component, "model">, string> = {
  normalizer: "normalizers",
  pre_tokenizer: "pretokenizers",
  post_processor: "processors",
  decoder: "decoders",
};

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Why the parsed tokenizer.json cannot be read faithfully (E0541 malformed, E0542 unsupported),
 * or undefined when it can.
 */
export function checkHubTokenizer(json: unknown): TokenizerError | undefined {
  if (!isObject(json)) return invalid("the file is not a JSON object");
  const model = json["model"];
  if (!isObject(model)) return invalid("it has no `model` object");
  if (typeof model["type"] !== "string")
    return invalid("`model.type` is missing; Loom reads files saved by tokenizers 0.10 or newer");
  const vocab = model["vocab"];
  if (model["type"] === "Unigram" ? !Array.isArray(vocab) : !isObject(vocab))
    return invalid(`\`model.vocab\` is not the ${model["type"]} vocabulary`);
  const added = json["added_tokens"] ?? [];
  if (
    !Array.isArray(added) ||
    !added.every((t) => isObject(t) && typeof t["content"] === "string" && isId(t["id"]))
  )
    return invalid("`added_tokens` is not a list of {id, content} tokens");
  for (const component of Object.keys(SUPPORTED) as Component[]) {
    const value = component === "model" ? model : (json[component] ?? null);
    const problem = value === null ? undefined : checkComponent(component, component, value);
    if (problem) return problem;
  }
  return undefined;
}

function isId(value: unknown): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}

/** One component (recursing into a Sequence), at its JSON path. */
function checkComponent(
  component: Component,
  path: string,
  value: unknown,
): TokenizerError | undefined {
  if (!isObject(value) || typeof value["type"] !== "string")
    return invalid(`\`${path}\` is not an object with a \`type\``);
  const type = value["type"];
  if (!(SUPPORTED[component] as readonly string[]).includes(type))
    return unsupported(
      `\`${path}.type\` is "${type}"${Object.hasOwn(WHY_NOT, type) ? ` (${WHY_NOT[type]})` : ""}; Loom reads ${SUPPORTED[component].join(", ")}`,
    );
  if (type === "Sequence") {
    const key = SEQUENCE_KEYS[component as Exclude<Component, "model">];
    const items = value[key];
    if (!Array.isArray(items)) return invalid(`\`${path}\` is a Sequence without a list`);
    for (const [i, item] of items.entries()) {
      const problem = checkComponent(component, `${path}.${key}[${i}]`, item);
      if (problem) return problem;
    }
    return undefined;
  }
  return checkOptions(component, type, path, value);
}

/** Options of a supported type that the library would not honour. */
function checkOptions(
  component: Component,
  type: string,
  path: string,
  value: Json,
): TokenizerError | undefined {
  if (component === "model" && type === "BPE" && value["dropout"] != null && value["dropout"] !== 0)
    return unsupported(
      `\`${path}.dropout\` is ${String(value["dropout"])}: BPE dropout samples a different tokenization each time`,
    );
  if (component === "model" && type === "BPE")
    for (const key of ["continuing_subword_prefix", "end_of_word_suffix"])
      if (value[key] != null && value[key] !== "")
        return unsupported(
          `\`${path}.${key}\` is ${JSON.stringify(value[key])}: @huggingface/tokenizers ${key === "end_of_word_suffix" ? "ends a word early at an unknown character" : "ignores the prefix when it merges"}, so its BPE differs from Rust's`,
        );
  if (component === "pre_tokenizer" && type === "Split") {
    const behavior = String(value["behavior"]);
    const invert = value["invert"] === true;
    const ok = invert ? behavior === "Removed" : behavior === "Isolated" || behavior === "Removed";
    if (!ok)
      return unsupported(
        `\`${path}\` splits with behavior "${behavior}"${invert ? " and invert" : ""}; Loom reads "Isolated" and "Removed" (and "Removed" with invert)`,
      );
    const pattern = value["pattern"];
    const regex = isObject(pattern) ? pattern["Regex"] : undefined;
    if (typeof regex === "string" && regex.includes("\\G"))
      return unsupported(`\`${path}.pattern\` uses \\G, which JavaScript regular expressions lack`);
  }
  return undefined;
}

function invalid(why: string): TokenizerError {
  return { code: "E0541", error: `not a Hugging Face tokenizer.json: ${why}` };
}

function unsupported(why: string): TokenizerError {
  return { code: "E0542", error: why };
}
