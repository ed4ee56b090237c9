// Bundles the command line into dist/cli/ with esbuild: one ESM file per command (split at the
// dynamic imports in src/cli/main.ts), so each command loads only what it uses. Dependencies that
// are many small ES modules (chevrotain's lodash-es, zod) cost hundreds of milliseconds to load
// file by file; bundled they load in tens. Dawn (native) and Prettier stay external.
import { build } from "esbuild";

await build({
  entryPoints: { main: "src/cli/main.ts" },
  outdir: "dist/cli",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["webgpu", "prettier", "pngjs"],
  // Bundled CommonJS dependencies may call require(): give the ES module one.
  banner: {
    js: 'import { createRequire as __loomCreateRequire } from "node:module"; const require = __loomCreateRequire(import.meta.url);',
  },
  minify: true,
  legalComments: "linked",
  logLevel: "warning",
});
