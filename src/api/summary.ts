/** A model's size and cost: parameters, FLOPs per token, weight, KV-cache and activation memory. */
export { CATEGORIES } from "../compiler/summary/parameters.ts";
export {
  DEFAULT_SEQ_CAP,
  defaultSeq,
  summarize,
  type ModelSummary,
} from "../compiler/summary/summary.ts";
export { groupDigits, humanBytes, humanCount, humanFlops } from "../compiler/summary/units.ts";
