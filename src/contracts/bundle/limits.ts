/**
 * What a bundle loader reads at most, whatever a manifest says: the manifest's own size, the
 * number of kernels (each one WGSL file), each WGSL file's size and a tokenizer.json's size. The weights are capped by the
 * size the manifest records. A manifest beyond these is refused before any other file is read.
 */

/** The largest manifest.json a loader reads: 16 MiB (Llama-2-7B's is under 400 KB). */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

/** The most kernels (WGSL files) a bundle may have (the largest spec lowers to under 20). */
export const MAX_KERNELS = 1024;

/** The largest WGSL file a bundle may have: 1 MiB (generated kernels are under 12 KB). */
export const MAX_WGSL_BYTES = 1024 * 1024;

/** The largest tokenizer.json Loom reads: 64 MiB (the largest on the Hugging Face hub are under 40 MB). */
export const MAX_TOKENIZER_BYTES = 64 * 1024 * 1024;

/** How many files a browser loader fetches at once. */
export const FETCH_CONCURRENCY = 4;
