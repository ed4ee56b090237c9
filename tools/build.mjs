// `npm run build`: the library (JavaScript and .d.ts from tsc) into dist/src and dist/grammar, and
// the command line bundled by esbuild into dist/cli (tools/build-cli.mjs). Writes dist/.built
// last, so a build cut short is never taken for a whole one (test/global-setup.ts reads it).
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
rmSync("dist", { recursive: true, force: true });
const tsc = spawnSync(
  process.execPath,
  [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"],
  { stdio: "inherit" },
);
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
await import("./build-cli.mjs");
writeFileSync("dist/.built", `${new Date().toISOString()}\n`);
