/**
 * The registry of diagnostic codes. Codes are stable: a code, once published, keeps its meaning.
 * E01xx syntax, E02xx names and structure, E03xx shapes and dims, W04xx warnings, E05xx weights,
 * E06xx device limits and bundles, E07xx kernel plan verification (compiler bugs),
 * E08xx GPU runtime errors (what WebGPU reported while a model loaded or ran).
 * E09xx model import/export (Hugging Face config.json, `loom import`).
 * docs/diagnostics.md is generated from this table (npm run docs:diagnostics).
 */
export interface CodeInfo {
  title: string;
  /** What the user should do, in general terms; each diagnostic adds a specific hint. */
  explanation: string;
}

export const CODES = {
  E0101: {
    title: "unexpected character",
    explanation:
      "The lexer met a character that starts no token. Remove it or quote it in a string.",
  },
  E0102: {
    title: "syntax error",
    explanation: "The parser expected another token here. The message names what it expected.",
  },
  E0103: {
    title: "cannot read file",
    explanation: "A spec file, or a file it includes, could not be read. Check the path.",
  },
  E0104: {
    title: "nested too deeply",
    explanation:
      "Brackets, braces, negations or chained operators nest deeper than 32 levels. Name intermediate values instead of nesting expressions.",
  },
  E0105: {
    title: "chained comparison",
    explanation:
      "A comparison such as `0 < t < 5` chains two comparisons; Loom compares once per expression. Make one mask per comparison and multiply them as floats: `float(0 < t) * float(t < 5)`.",
  },
  E0201: {
    title: "include not found",
    explanation:
      "An `include` names a file that does not exist; paths are relative to the including file.",
  },
  E0202: {
    title: "include cycle",
    explanation: "Files include each other in a cycle. Move the shared blocks into a third file.",
  },
  E0203: {
    title: "unknown layer",
    explanation:
      "A call names no built-in layer and no block. See docs/language.md for the layer list.",
  },
  E0204: {
    title: "unknown argument",
    explanation: "A layer or block was given an argument it does not take.",
  },
  E0205: {
    title: "undefined name",
    explanation: "A name is used before it is defined, or is not defined at all.",
  },
  E0206: {
    title: "duplicate name",
    explanation:
      "Two definitions (dims, inputs, outputs, blocks, labels, parameters or arguments) share a name.",
  },
  E0207: {
    title: "missing argument",
    explanation: "A layer or block was called without an argument it requires.",
  },
  E0208: {
    title: "too many arguments",
    explanation: "A layer or block was given more positional arguments than it takes.",
  },
  E0209: {
    title: "missing output",
    explanation: "A model declares no `output`; nothing it computes would be observable.",
  },
  E0210: {
    title: "wrong kind of argument",
    explanation:
      "An argument has the wrong kind: a tensor where a number is expected, an unknown option value, and so on.",
  },
  E0211: {
    title: "recursive block",
    explanation:
      "A block calls itself, directly or through other blocks; blocks are expanded inline, so recursion never ends.",
  },
  E0212: {
    title: "block without return",
    explanation: "A block's body must end with `return <value>`.",
  },
  E0213: {
    title: "statement not allowed here",
    explanation:
      "`dims`, `input` and `output` belong at the top of a model body, `return` at the end of a block.",
  },
  E0214: {
    title: "two position biases",
    explanation:
      "An attention layer takes one position bias: ALiBi (`alibi`) or a `relative_position_bias(...)` table, not both. Drop one of them.",
  },
  E0215: {
    title: "two ways to set the frequencies",
    explanation:
      "`sinusoidal_positions` takes its frequencies from `base` (Vaswani) or from `min_timescale` and `max_timescale` (tensor2tensor), not both. Drop one of them.",
  },
  E0220: {
    title: "not an axis",
    explanation:
      "A reduction's axis must be a dim name (`sum(x, seq)`) or an integer index (`sum(x, 1)`, `sum(x, -1)` for the last axis).",
  },
  E0221: {
    title: "cannot compare",
    explanation:
      "A comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`) makes a bool mask from a tensor and a number, such as `tokens != 0`. Two tensors, or two numbers or dims, cannot be compared.",
  },
  E0222: {
    title: "truncate on the batch",
    explanation:
      "`truncate` on an input's bound cuts longer sequences to the bound; on the first axis it would drop whole sequences of the batch, so it is refused there.",
  },
  E0301: {
    title: "invalid dimension",
    explanation:
      "A dimension must be a positive integer: divisions must be exact and results above zero.",
  },
  E0302: {
    title: "width not divisible by heads",
    explanation:
      "Attention splits the model width into heads of equal size, so heads must divide the width.",
  },
  E0303: {
    title: "kv_heads does not divide heads",
    explanation:
      "Grouped-query attention shares each key/value head among heads / kv_heads query heads.",
  },
  E0304: {
    title: "odd head_dim with RoPE",
    explanation: "Rotary embeddings rotate pairs of channels, so head_dim must be even.",
  },
  E0305: {
    title: "shape mismatch",
    explanation:
      "An elementwise operation (a residual add, a product) joins tensors whose shapes do not broadcast.",
  },
  E0306: {
    title: "cross-attention without encoder memory",
    explanation:
      "cross_attention needs the encoder's output as `memory`: a [batch, src_len, width] tensor.",
  },
  E0307: {
    title: "tied weights of different shape",
    explanation:
      "A layer tied to an embedding must have the same vocabulary and width as that embedding.",
  },
  E0308: {
    title: "image not divisible by patch",
    explanation:
      "patch_embed cuts the image into whole patches, so the patch size must divide its height and width.",
  },
  E0309: {
    title: "sequence longer than position table",
    explanation:
      "A learned position table has a fixed number of rows; the sequence bound must not exceed it.",
  },
  E0310: {
    title: "top_k above number of experts",
    explanation:
      "Mixture-of-experts routing picks top_k of the experts, so top_k must not exceed experts.",
  },
  E0311: {
    title: "wrong tensor type",
    explanation:
      "A layer was given a tensor of the wrong element type or rank (for example floats to an embedding).",
  },
  E0312: {
    title: "mask does not match keys",
    explanation:
      "A padding mask must be a bool[batch, keys] tensor over the sequence that attention reads keys from.",
  },
  E0313: {
    title: "position bias does not match heads",
    explanation:
      "A relative position bias has one table column per head; it must have as many heads as the attention using it.",
  },
  E0314: {
    title: "tensor too large",
    explanation:
      "A weight or value would have more than 2^38 elements (1 TiB in f32), more than any device can hold, or a model would expand to more experts (4,096 a layer) or weight tensors (50,000) than Loom builds. Check the dims its sizes come from.",
  },
  E0320: {
    title: "bad sinusoid frequencies",
    explanation:
      "A sinusoid's `base` and timescales must be positive and `min_timescale` at most `max_timescale`, or its frequencies are not numbers.",
  },
  E0330: {
    title: "no such axis",
    explanation:
      "A reduction names an axis the tensor does not have: a dim that is none of its axes, or an index outside its rank (from -rank to rank - 1).",
  },
  E0331: {
    title: "ambiguous axis",
    explanation:
      "A reduction names its axis by a dim that sizes more than one axis of the tensor (both 64, say). Give the axis by its index instead.",
  },
  E0332: {
    title: "bad slice",
    explanation:
      "A slice's start and end are integer positions with 0 ≤ start < end ≤ the axis size (a negative end counts from the back); this one is empty, runs past the axis, or is not made of integers.",
  },
  E0333: {
    title: "fixed-length slice of a dynamic axis",
    explanation:
      "A slice with a positive end on a dynamic axis (`slice(x, seq, 0, 16)`) would be shorter than 16 for a shorter input, which a shape cannot say. Cut the input at its declaration instead (`seq <= 16 truncate`), or give the end from the back.",
  },
  W0401: {
    title: "unused value",
    explanation: "A value is computed but never used. Remove it, or use it.",
  },
  W0402: {
    title: "unused dim",
    explanation: "A dim is declared but never used.",
  },
  W0403: {
    title: "unused input",
    explanation: "A model input is declared but nothing reads it.",
  },
  // E05xx: weights files (safetensors) and binding them to a spec (src/formats/weights/).
  E0501: {
    title: "corrupt safetensors header",
    explanation:
      "A safetensors file starts with an 8-byte little-endian header length, then that many bytes of JSON: an object mapping each tensor name to {dtype, shape, data_offsets}, and an optional `__metadata__` object of strings. The file is truncated, is not a safetensors file, or its header is malformed.",
  },
  E0502: {
    title: "tensor data out of bounds or overlapping",
    explanation:
      "Each tensor's data_offsets [start, end) must lie inside the data section after the header, tensors must not overlap, and together they must cover the data section with no holes.",
  },
  E0503: {
    title: "tensor size does not match dtype and shape",
    explanation:
      "A tensor's byte range must hold exactly as many bytes as its shape has elements times the size of its dtype.",
  },
  E0504: {
    title: "unsupported dtype",
    explanation:
      "Loom reads F32, F16, BF16 and F64 tensors. Convert the checkpoint's float tensors to one of these (for example with the safetensors Python package).",
  },
  E0505: {
    title: "missing weight",
    explanation:
      "The spec declares a weight the file does not hold. Check that the file belongs to this spec and that the layout (loom, torch, hf-gpt2, hf-bert, hf-t5, hf-vit, hf-llama) is the right one; see docs/weights.md.",
  },
  E0506: {
    title: "weight shape mismatch",
    explanation:
      "A tensor in the file has a different shape from the weight the spec declares: the spec's dims (width, heads, vocabulary, hidden size) differ from the checkpoint's.",
  },
  W0507: {
    title: "unexpected tensor",
    explanation:
      "The file holds a tensor the spec does not use (a head the spec lacks, or a tied copy that differs from the weight it duplicates). It is ignored.",
  },
  E0508: {
    title: "cannot read weights file",
    explanation: "The weights file could not be read: check the path and permissions.",
  },
  E0509: {
    title: "non-finite weight values",
    explanation:
      "A weight holds NaN or infinite values, which would poison every output. The checkpoint is damaged, or was saved in a dtype its values overflow (for example float16 above 65504).",
  },
  E0510: {
    title: "cannot read weight map",
    explanation:
      "A weight map (`--weight-map FILE`, or `<spec>.weightmap.json` beside the spec) could not be read, or is not valid JSON. The error points at the place where the JSON stops parsing.",
  },
  E0511: {
    title: "invalid weight map",
    explanation:
      'The weight map does not follow the loom-weight-map/1 format: an unknown or missing field, a value of the wrong type, a `regex` that is not a regular expression, a `to` that uses a capture its pattern does not make, or a split without {part}. docs/weights.md ("Weight maps") describes the format.',
  },
  E0512: {
    title: "two tensors get one name",
    explanation:
      "Two tensors of the checkpoint (renamed by weight-map rules, or one renamed onto the name of another) end up with the same name, so one would silently replace the other. Make the rules' `to` names distinct.",
  },
  E0513: {
    title: "weight-map transform does not apply",
    explanation:
      "A rule's transform cannot be applied to a tensor it matches: a transpose that is not a permutation of its axes, a squeeze of an axis whose size is not 1, a reshape to another element count, or a split whose parts do not add up to the axis. The error names the rule, the tensor and its shape.",
  },
  E0514: {
    title: "weight shape mismatch after a weight-map rule",
    explanation:
      "A tensor renamed by a weight-map rule binds to a weight of the spec, but its shape after the rule's transforms differs from the one the weight needs: a transpose or reshape is missing or wrong, or the spec's dims differ from the checkpoint's.",
  },
  E0515: {
    title: "unused tensor",
    explanation:
      'The weight map says `"unused": "error"`, and a tensor of the checkpoint binds to no weight of the spec. Add a rule for it, add the layer to the spec, or drop the setting to make it a warning (W0507).',
  },
  W0516: {
    title: "weight-map rule matches nothing",
    explanation:
      "A rule of the weight map matches no tensor of the checkpoint: its pattern has a typo, or the checkpoint lacks that part. `loom weights inspect FILE` lists the tensor names.",
  },
  // E054x: Hugging Face tokenizer.json files (src/runtime/tokenizers/hub*.ts, docs/tokenizers.md).
  E0540: {
    title: "cannot read tokenizer file",
    explanation:
      'The tokenizer.json a spec names (`tokenizer "file:tokenizer.json"`, relative to the spec) or `--tokenizer` / the `tokenizer` option gives could not be read: check the path and permissions.',
  },
  E0541: {
    title: "invalid tokenizer file",
    explanation:
      "A tokenizer file is a Hugging Face tokenizer.json: UTF-8 JSON, an object whose `model` has a `type` and a vocabulary, with optional `normalizer`, `pre_tokenizer`, `post_processor`, `decoder` and `added_tokens`. The file is not JSON, is truncated, or lacks these; save it again with the `tokenizers` library (`tokenizer.save(path)`).",
  },
  E0542: {
    title: "unsupported tokenizer component",
    explanation:
      "The tokenizer.json uses a model, normalizer, pre-tokenizer, post-processor or decoder type, or an option of one, that Loom cannot reproduce exactly (docs/tokenizers.md lists what it reads). Loom refuses it rather than tokenize differently from the checkpoint; encode the text yourself and pass token ids instead.",
  },
  E0543: {
    title: "tokenizer file too large",
    explanation:
      "A tokenizer.json is larger than the 64 MiB a loader reads (the largest hub tokenizers are under 40 MB). The file is not a tokenizer, or was damaged.",
  },
  // E06xx: device limits (src/contracts/device-profile/) and bundles (src/compiler/bundle/).
  E0601: {
    title: "device limit exceeded",
    explanation:
      "A kernel or buffer of the kernel plan needs more than the device profile allows: workgroup storage, invocations or size per workgroup, storage or uniform buffers per shader stage, a buffer's size or binding size, or workgroups per dispatch dimension. Compile with smaller tiles, or for a device with larger limits (--device-profile NAME or a JSON profile).",
  },
  E0602: {
    title: "device feature missing",
    explanation:
      "A kernel's WGSL enables a feature (such as `enable f16;`, which needs shader-f16) that the device profile does not list. Compile for a profile that has it, or without the feature.",
  },
  W0603: {
    title: "dispatch size not checked",
    explanation:
      "A kernel's dispatch is written over a size that neither its step nor the plan's runtime sizes give, so its workgroup count could not be checked against maxComputeWorkgroupsPerDimension. The runtime checks it when it dispatches.",
  },
  E0604: {
    title: "invalid device profile",
    explanation:
      "--device-profile names neither a built-in profile (webgpu-default, swiftshader) nor a readable JSON file holding a valid profile: an object with `name`, `features` and every limit as a positive integer. docs/bundle-format.md lists the fields.",
  },
  E0610: {
    title: "cannot read bundle file",
    explanation:
      "A bundle is a directory holding manifest.json, kernels/<name>.wgsl for every kernel and weights.safetensors. One of them is missing or unreadable: the bundle is incomplete, or the path is not a bundle.",
  },
  E0611: {
    title: "invalid bundle manifest",
    explanation:
      "manifest.json is not UTF-8 JSON, or does not match the manifest schema (docs/bundle-format.md). Each problem is reported with its JSON path. Recompile the bundle with `loom compile`.",
  },
  E0612: {
    title: "unsupported bundle format version",
    explanation:
      "The bundle was written in a newer format than this Loom reads. Upgrade Loom to the version the message names, or recompile the spec (the bundle holds it) with this one.",
  },
  E0613: {
    title: "bundle file corrupted",
    explanation:
      "A file of the bundle (a kernel's WGSL, the weights, or the spec text in the manifest) does not have the SHA-256 hash or size the manifest records: it was changed or damaged after compiling. Recompile the bundle.",
  },
  E0614: {
    title: "inconsistent bundle",
    explanation:
      "The manifest's parts disagree: a step names a kernel or buffer that does not exist, a kernel is bound to the wrong number of buffers, names repeat, a weight buffer names a weight the IR does not declare, or the recorded requirements are not those of the plan. Recompile the bundle.",
  },
  E0615: {
    title: "cannot write bundle",
    explanation:
      "The bundle directory could not be written: it exists (pass --force to replace a bundle), its parent directory is missing, or a write failed. Nothing was changed: a failed write leaves the old directory as it was.",
  },
  E0620: {
    title: "layer not compiled for WebGPU",
    explanation:
      "The spec checks, and the CPU reference runs it, but the lowering to WebGPU kernels does not cover this layer or this arrangement yet (the message says which). Run it with `--backend cpu`, or write the layer the way the message suggests.",
  },
  E0621: {
    title: "bundle format version no longer read",
    explanation:
      "The bundle was written in an older format that this Loom refuses (the message says why: version 1 records no sizes for the kernel files, so a loader could not bound what it reads). Recompile the spec with this Loom; the bundle's manifest holds the spec's text as source.text.",
  },
  E0622: {
    title: "bundle file outside the bundle",
    explanation:
      "A file of the bundle resolves outside the bundle: on disk, a symbolic link (the file or a directory on its way) that points out of the bundle directory; in a browser, a file name that would make a URL outside the bundle's. A loader reads only files inside the bundle. Replace the link with the file itself, or recompile the bundle.",
  },
  E0623: {
    title: "bundle exceeds a loader limit",
    explanation:
      "A bundle is bigger than a loader reads: the manifest is larger than 16 MiB, it names more than 1024 kernels, or a file is larger than the size the manifest records for it (a loader stops reading at that size). docs/bundle-format.md lists the limits. The bundle was damaged or built by hand; recompile it.",
  },
  E0624: {
    title: "weight dtype differs from the plan",
    explanation:
      "A tensor of the bundle's weights file is stored in a dtype other than the one the manifest and the kernel plan declare (F32: the plan's weight buffers are f32). Loom does not convert a bundle's weights silently: recompile the bundle from the weights (`loom compile SPEC --weights FILE`), which converts them.",
  },
  W0625: {
    title: "bundle's source text differs from its IR",
    explanation:
      "The spec text the bundle records (source.text and its includes) does not elaborate to the IR the bundle holds: the text was replaced or edited, or it was compiled by another Loom. Loom trusts the IR, because it is what was checked, what the kernel plan was lowered from and what runs; the text is only a record. Recompile from the spec you mean to run.",
  },
  E0640: {
    title: "will not replace what is not a bundle",
    explanation:
      "`loom compile --force` replaces only a Loom bundle: a directory whose manifest.json validates (docs/bundle-format.md) and that holds nothing but the files that manifest names, or an empty directory. The --out path is a file, a symbolic link, a directory without a valid manifest (a home or source folder, a bundle of a newer format) or a bundle with files of your own in it, so it was left untouched. Choose another --out, or move the directory or the extra files away yourself.",
  },
  W0641: {
    title: "interrupted bundle write recovered",
    explanation:
      "An earlier `loom compile` was killed after moving the old bundle aside (as `.OUT.loom-old-…`) and before renaming the new one into place, so OUT did not exist. The old bundle was renamed back to OUT before this write began; nothing was lost.",
  },
  E0650: {
    title: "unknown weight format",
    explanation:
      'The bundle\'s weights are packed in a format this Loom does not read (it reads f32, f16, q8 and q4; docs/bundle-format.md, "Weight formats"). The bundle was written by a newer Loom or edited: upgrade Loom, or recompile the spec (the manifest holds its text) with `loom compile SPEC --weight-format f32|f16|q8|q4`.',
  },
  E0651: {
    title: "weight out of the format's range",
    explanation:
      "A weight is too large for the format asked for: f16 holds magnitudes up to 65504, and a q4 block's scale (its largest magnitude / 8) is an f16 too. Packing it would give an infinity. Compile with a wider format (`--weight-format q8` or `f32`), or rescale the weights.",
  },
  E0652: {
    title: "packed weight does not match its format",
    explanation:
      "A tensor of the bundle's weights file is not what the manifest's weights.formats records for it: a packed tensor is stored as U32 of shape [rows, words per row] (docs/bundle-format.md, \"Weight formats\"), an unpacked one as F32 of its shape in the IR. The weights file was rewritten after compiling; recompile the bundle.",
  },
  E0653: {
    title: "packed weight bound as the wrong format",
    explanation:
      "Internal compiler error: a step of the kernel plan binds a packed weight buffer to a kernel binding that does not unpack that format (or a plain buffer where one is expected). The kernel would read the words as other numbers without any error, so the plan is refused. Please report it with the spec; `--weight-format f32` or `--backend cpu` avoids it.",
  },
  // E07xx: kernel plan verification (src/compiler/plan/verify.ts). Compiler bugs, not the user's.
  E0701: {
    title: "kernel plan reads a buffer before it is written",
    explanation:
      "An internal compiler error: a step of the kernel plan reads a buffer that no earlier step wrote, or whose storage slot another buffer overwrote first, so it would compute from stale memory. Your spec is not at fault. Please report it with the spec; meanwhile `--backend cpu` runs the model on the CPU reference.",
  },
  E0702: {
    title: "kernel plan binds a buffer writable twice in one dispatch",
    explanation:
      "An internal compiler error: one dispatch binds the same storage (a buffer, or buffers sharing a slot) as read_write and again in another binding, which WebGPU refuses as a usage conflict. Your spec is not at fault. Please report it with the spec; meanwhile `--backend cpu` runs the model on the CPU reference.",
  },
  E0703: {
    title: "kernel plan shares storage between live buffers",
    explanation:
      "An internal compiler error: buffers that share a storage slot are in use at the same step, a buffer is used outside the lifetime the plan records, or a weight, constant or input shares a slot. Your spec is not at fault. Please report it with the spec; meanwhile `--backend cpu` runs the model on the CPU reference.",
  },
  E0704: {
    title: "kernel plan exceeds the limits it was compiled for",
    explanation:
      "An internal compiler error: a kernel, dispatch or buffer of the plan needs more than the device limits the plan was made for (the profile named at compile time, or the adapter it was lowered for at load). Your spec is not at fault. Please report it with the spec; meanwhile `--backend cpu` runs the model on the CPU reference.",
  },
  E0705: {
    title: "kernel plan is malformed",
    explanation:
      "An internal compiler error: a step dispatches a kernel the plan does not have, binds a buffer it does not have, or binds a different number of buffers than the kernel has storage bindings. Your spec is not at fault. Please report it with the spec; meanwhile `--backend cpu` runs the model on the CPU reference.",
  },
  // E08xx: GPU runtime errors (src/runtime/webgpu/gpu-errors.ts): what WebGPU reported while a
  // model loaded or ran, caught by error scopes, `uncapturederror`, `device.lost` and mapAsync.
  E0801: {
    title: "the GPU rejected a command as invalid",
    explanation:
      "WebGPU refused a buffer, pipeline, bind group or dispatch Loom made, so that work did not run. The message names the plan step and kernel and quotes the GPU. Plans are verified before they run, so this is a bug in Loom or a bundle edited by hand: please report it with the spec; `--backend cpu` runs the model meanwhile.",
  },
  E0802: {
    title: "the GPU ran out of memory",
    explanation:
      "The device could not allocate what the model needs (weights, activations, KV caches) or what a pass asked for. Lower the sequence bound or the batch (they size the buffers), close other programs using the GPU, use a device with more memory, or run with `--backend cpu`.",
  },
  E0803: {
    title: "the GPU reported an internal error",
    explanation:
      "The WebGPU implementation or its driver failed on valid work (for instance a pipeline it could not build). Run again; if it persists, update the GPU driver or the browser, or run with `--backend cpu`, and report it with the adapter's description.",
  },
  E0804: {
    title: "the GPU device was lost",
    explanation:
      "The WebGPU device stopped before the work finished: it was destroyed, its driver reset or crashed (an OS resets a GPU whose dispatch runs too long), or the GPU went away. Nothing it computed is used. Put the model on a device again (in a browser, reload the page).",
  },
  E0805: {
    title: "a kernel's WGSL does not compile",
    explanation:
      "The shader compiler refused a kernel; the message lists its errors by line and column of the kernel's WGSL (a bundle's `kernels/<name>.wgsl`). Loom emits WGSL compilers accept, so this is a bug in Loom, a bundle edited by hand or an old browser: please report it; `--backend cpu` runs the model meanwhile.",
  },
  E0806: {
    title: "results could not be read back from the GPU",
    explanation:
      "Mapping a readback buffer failed, so the pass's results never reached the host; the message says what WebGPU answered. Run again; if it persists, report it with the adapter's description, and use `--backend cpu` meanwhile.",
  },
  // E09xx: model import/export (src/compiler/import/hf/, `loom import`).
  E0901: {
    title: "config is not a JSON object",
    explanation:
      "`loom import` reads a Hugging Face `config.json`: one JSON object of fields. The file is not valid JSON, or holds something other than an object. Pass the checkpoint's config.json itself.",
  },
  E0902: {
    title: "unknown model_type",
    explanation:
      "The config's `model_type` names no family the importer knows, or is missing. Imported families: gpt2, bert, t5, vit, llama, mistral, mixtral, qwen2, gpt_neox, phi (docs/import.md). Write the spec by hand for other families (docs/language.md).",
  },
  E0903: {
    title: "unknown config field",
    explanation:
      "The config holds a field the importer does not know. It might change the model's math, so the importer refuses to guess. If the field is known not to matter for inference, remove it from the config; otherwise write the spec by hand.",
  },
  E0904: {
    title: "bad config value",
    explanation:
      "A config field has the wrong type or an impossible value (a dimension that is not a positive integer, a flag that is not true or false, sizes that do not divide). Fix the value in the config.",
  },
  E0905: {
    title: "config needs a feature Loom lacks",
    explanation:
      "The config asks for something that changes the model's math and that the Loom language cannot express yet (for example rope_scaling, a sliding window shorter than the context, partial rotary embeddings, biases on some attention projections only). The importer never drops it silently; the message names the field and its value, and the hint says when a narrower import (such as `--context`) is exact.",
  },
  E0906: {
    title: "missing config field",
    explanation:
      "The config lacks a field this family needs and that has no default in Hugging Face transformers. Add it to the config.",
  },
  E0907: {
    title: "imported spec does not check",
    explanation:
      "An internal importer error: the spec written from the config fails Loom's own checks, so it is not written. Your config is not at fault. Please report it with the config; the notes give the checker's first error.",
  },
  E0908: {
    title: "cannot write imported spec",
    explanation:
      "The output file exists (pass --force to replace it) or could not be written. Nothing was changed.",
  },
  // E092x: model export (src/compiler/export/, `loom export`).
  E0920: {
    title: "no Hugging Face family fits the spec",
    explanation:
      "`loom export --format hf` writes a config.json of a Hugging Face family (gpt2, bert, t5, vit, llama, mixtral); the spec's layers match none of them. The message says what the spec has; export it as ONNX (`--format onnx`), or write the spec in one family's shape.",
  },
  E0921: {
    title: "spec not expressible as the family's config",
    explanation:
      "The spec looks like a Hugging Face family, but some layer differs from what any config of that family means (a norm where the family has none, another scale, an extra output). The exporter writes a config only when importing it gives back exactly the spec's layers; the message names the first layer and attribute that differ. ONNX (`--format onnx`) takes any spec.",
  },
  E0922: {
    title: "cannot export this weight",
    explanation:
      "A weight of the spec has no name in the family's Hugging Face layout, or the weights given do not cover the spec. Pass weights that bind to the spec (`--weights`, `--layout`).",
  },
  E0923: {
    title: "cannot write the export",
    explanation:
      "The output exists (pass --force to replace it) or could not be written. Nothing was changed.",
  },
  E0924: {
    title: "layer not exportable to ONNX",
    explanation:
      "The ONNX exporter cannot write this layer: it has no translation, or needs a bound the spec does not give (tables such as RoPE's and the causal mask are made at the sequence's bound: declare inputs as `seq <= N`). The message names the layer and the reason.",
  },
} as const satisfies Record<string, CodeInfo>;

export type Code = keyof typeof CODES;
