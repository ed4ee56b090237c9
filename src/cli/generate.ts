import { generateText } from "../api/generate.ts";
import { InputError } from "../api/errors.ts";
import { loadModel, type LoadModelOptions } from "../api/model.ts";
import { EXIT, type Io } from "./io.ts";
import { openForCli } from "./open.ts";
import { reportWarnings } from "./report.ts";
import { Timeline } from "./timeline.ts";

export interface GenerateCliOptions extends LoadModelOptions {
  prompt?: string;
  /** Comma-separated prompt token ids, instead of text. */
  tokens?: string;
  /** Encoder-decoder models: the source text the encoder reads. */
  source?: string;
  maxTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  seed: number;
  /** Stop after any of these strings (or token ids written as #id). */
  stop: string[];
  /** Print token ids instead of text. */
  ids: boolean;
  /** Print where the time went on stderr. */
  verbose?: boolean;
}

/** Comma-separated token ids, or an InputError naming the option. */
export function parseIds(text: string, what: string): number[] {
  const parts = text.split(",").map((t) => t.trim());
  if (parts.some((t) => !/^\d+$/.test(t)))
    throw new InputError(`${what} takes comma-separated token ids, got "${text}"`);
  return parts.map(Number);
}

/** The prompt as given: token ids (--tokens) or text (--prompt, which needs a tokenizer). */
function promptOf(opts: GenerateCliOptions, hasTokenizer: boolean): string | number[] {
  if (opts.tokens !== undefined) return parseIds(opts.tokens, "--tokens");
  if (opts.prompt === undefined) throw new InputError("give a --prompt (text) or --tokens (ids)");
  if (!hasTokenizer)
    throw new InputError(
      "the spec names no tokenizer, so --prompt cannot be used; pass --tokens instead",
    );
  return opts.prompt;
}

/** Tokens in a prompt given as text or ids. */
function promptLength(
  model: { tokenizer?: { encode: (s: string) => number[] } },
  prompt: string | number[],
): number {
  return typeof prompt === "string" ? model.tokenizer!.encode(prompt).length : prompt.length;
}

/** `loom generate SPEC|BUNDLE --prompt …`: KV-cached autoregressive generation, tokens streamed as produced. */
export async function runGenerate(spec: string, opts: GenerateCliOptions, io: Io): Promise<number> {
  const timeline = new Timeline(opts.verbose === true);
  timeline.end("start", "Node and Loom's modules");
  const model = loadModel(spec, opts);
  timeline.end(
    "load",
    model.plan ? "the bundle read and checked" : "the spec checked, weights bound",
  );
  const prompt = promptOf(opts, model.tokenizer !== undefined);
  const source =
    opts.source === undefined || model.tokenizer ? opts.source : parseIds(opts.source, "--source");
  const stop = opts.stop.map((s) => (/^#\d+$/.test(s) ? Number(s.slice(1)) : s));
  if (opts.backend === "cpu") reportWarnings(model, io); // openForCli reports them otherwise
  const device =
    opts.backend === "cpu" ? undefined : await openForCli(model, io, undefined, timeline);
  const stream = generateText(model, {
    prompt,
    ...(source !== undefined ? { source } : {}),
    maxTokens: opts.maxTokens,
    temperature: opts.temperature,
    topK: opts.topK,
    topP: opts.topP,
    seed: opts.seed,
    stop,
    onNote: (note) => io.stderr(`note: ${note}\n`),
    ...(device ? { device } : {}),
  });
  const asIds = opts.ids || !model.tokenizer;
  if (!asIds) io.stdout(typeof prompt === "string" ? prompt : model.tokenizer!.decode(prompt));
  let count = 0;
  for await (const token of stream) {
    io.stdout(asIds ? `${count > 0 ? "," : ""}${token.id}` : token.text);
    if (count++ === 0)
      timeline.end("first token", `the prompt's ${promptLength(model, prompt)} tokens`);
  }
  io.stdout("\n");
  if (count > 1) timeline.end("decode", `${count - 1} more tokens`);
  device?.destroy();
  timeline.report(io);
  return EXIT.ok;
}
