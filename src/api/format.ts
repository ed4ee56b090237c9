/** Formatting spec text in the one canonical style (comments kept), through Prettier. */
export { formatSpec } from "../compiler/format/format.ts";
