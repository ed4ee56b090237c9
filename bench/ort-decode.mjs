// One ONNX Runtime decode run, in its own process (its own Dawn, apart from Loom's):
//   node bench/ort-decode.mjs MODEL.onnx EP PROMPT_IDS STEPS
// Greedy decoding: each step runs the whole sequence so far (Loom's ONNX export has no KV-cache
// graph) and takes the argmax of the last position. Prints one JSON line: the execution provider,
// the median milliseconds of a step after the first (the prefill) and the tokens chosen.
process.env.VK_ICD_FILENAMES ??= "/usr/lib/chromium/vk_swiftshader_icd.json";
const { default: ort } = await import("onnxruntime-node");

const [file, ep, promptText, stepsText] = process.argv.slice(2);
const steps = Number(stepsText);
const session = await ort.InferenceSession.create(file, { executionProviders: [ep] });
const [input] = session.inputNames;
const [output] = session.outputNames;
const ids = promptText.split(",").map(Number);
const times = [];
const tokens = [];
for (let step = 0; step <= steps; step++) {
  const started = performance.now();
  const feeds = {
    [input]: new ort.Tensor("int64", BigInt64Array.from(ids, BigInt), [1, ids.length]),
  };
  const logits = (await session.run(feeds))[output]; // [1, seq, vocab]
  const vocab = logits.dims[2];
  const last = (ids.length - 1) * vocab;
  let best = 0;
  for (let v = 1; v < vocab; v++) if (logits.data[last + v] > logits.data[last + best]) best = v;
  if (step > 0) times.push(performance.now() - started);
  ids.push(best);
  tokens.push(best);
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({ ep, msPerToken: times[Math.floor(times.length / 2)], tokens }));
await session.release?.();
