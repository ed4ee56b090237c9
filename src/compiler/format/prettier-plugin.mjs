// The Loom Prettier plugin as plain JavaScript, for `prettier --plugin <this file>`: registers tsx
// (as bin/loom does) so that the TypeScript sources load without a build step.
import { register } from "tsx/esm/api";

register();
const { loomPlugin } = await import("./plugin.ts");

export default loomPlugin;
