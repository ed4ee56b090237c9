/** The Loom Prettier plugin: `prettier --plugin loom-webgpu/prettier-plugin` formats .loom files. */
import { loomPlugin } from "../compiler/format/plugin.ts";

export const { languages, parsers, printers, options } = loomPlugin;
export default loomPlugin;
