// `npm ci` / `npm install` in a checkout run this (npm's `prepare`): builds dist/, so bin/loom runs
// right after. Without devDependencies (`--omit=dev`) there is no compiler to build with: say so.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
try {
  require.resolve("typescript/bin/tsc");
  require.resolve("esbuild");
} catch {
  console.warn(
    "loom: TypeScript and esbuild are not installed (--omit=dev?): dist/ was not built.",
  );
  process.exit(0);
}
await import("./build.mjs");
