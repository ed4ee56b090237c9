// Builds the browser entry (src/api/browser.ts, the package's `browser` export) with Vite as a
// page's bundler would, fails if anything in it reaches a Node built-in, and prints its size
// minified and gzipped. `npm run size:browser`; docs/api.md states the figure.
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "vite";

const outDir = mkdtempSync(join(tmpdir(), "loom-browser-"));
const nodeBuiltins = [];
await build({
  configFile: false,
  logLevel: "warn",
  build: {
    outDir,
    emptyOutDir: true,
    minify: true,
    lib: { entry: "src/api/browser.ts", formats: ["es"], fileName: "loom-browser" },
  },
  plugins: [
    {
      name: "no-node-builtins",
      enforce: "pre",
      resolveId(source, importer) {
        if (source.startsWith("node:")) nodeBuiltins.push(`${importer} imports ${source}`);
        return null;
      },
    },
  ],
});
if (nodeBuiltins.length > 0) {
  console.error(`the browser entry reaches Node built-ins:\n  ${nodeBuiltins.join("\n  ")}`);
  process.exit(1);
}
let raw = 0;
let gzipped = 0;
for (const file of readdirSync(outDir).filter((f) => f.endsWith(".js"))) {
  const bytes = readFileSync(join(outDir, file));
  raw += bytes.length;
  gzipped += gzipSync(bytes, { level: 9 }).length;
}
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`browser entry: ${kib(raw)} minified, ${kib(gzipped)} gzipped (no Node built-ins)`);
