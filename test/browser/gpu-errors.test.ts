/**
 * No GPU error is swallowed in the browser either: the browser entry (src/api/browser.ts, bundled
 * by esbuild and served to headless Chromium, WebGPU through SwiftShader) is handed plans broken
 * on purpose, straight to the runtime past the plan verifier, and a device that is then
 * destroyed; each promise rejects with a LoomError carrying its E08xx code. The sound plan is the
 * control: its logits match the CPU reference executor's in Node.
 */
import { createServer, type Server } from "node:http";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSpec } from "../../src/compiler/compile.ts";
import { lowerToPlan } from "../../src/compiler/lower/lower.ts";
import type { TypedIr } from "../../src/contracts/ir/schema.ts";
import type { KernelPlan } from "../../src/contracts/plan/schema.ts";
import { initWeights } from "../../src/formats/weights/init.ts";
import { ReferenceExecutor } from "../../src/runtime/reference/executor.ts";
import { openChromiumPage, type ChromiumPage } from "../../tools/headless-playground.ts";
import { aliasWrittenBuffer, breakWgsl, profileFor, TINY_SPEC } from "../webgpu/broken-plans.ts";

const SEED = 1;

/** What the page's module script puts on its global object: the browser entry. */
type PageGlobal = { loom: typeof import("../../src/api/browser.ts") };
const PAGE = `<!doctype html><script type="module">
import * as loom from "/loom.js";
globalThis.loom = loom;
</script>`;

let server: Server;
let chromium: ChromiumPage;
beforeAll(async () => {
  const bundled = await build({
    entryPoints: ["src/api/browser.ts"],
    bundle: true,
    format: "esm",
    platform: "browser",
    write: false,
    logLevel: "error",
  });
  const script = bundled.outputFiles[0]!.text;
  server = createServer((request, response) => {
    const js = request.url === "/loom.js";
    response.writeHead(200, { "content-type": js ? "text/javascript" : "text/html" });
    response.end(js ? script : PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("the server did not listen");
  chromium = await openChromiumPage(`http://127.0.0.1:${address.port}/`);
  await chromium.page.waitForFunction(() => "loom" in globalThis);
}, 120_000);
afterAll(async () => {
  await chromium?.close();
  server?.close();
});

/** How a promise in the page settled: resolved, or rejected with what. */
interface Outcome {
  resolved?: true;
  loomError?: boolean;
  code?: string;
  diagnostics?: string[];
  message?: string;
}

interface PageResult {
  logits: number[];
  forward: Outcome;
  generate: Outcome;
  opened: string;
  lost: Outcome;
}

/** Runs the sound plan, then the broken ones, then destroys the device: all in the page. */
function runInPage(args: {
  ir: TypedIr;
  plan: KernelPlan;
  aliased: KernelPlan;
  uncompilable: KernelPlan;
  planProfile: string;
  seed: number;
}): Promise<PageResult> {
  return chromium.page.evaluate(async ({ ir, plan, aliased, uncompilable, planProfile, seed }) => {
    const loom = (globalThis as unknown as PageGlobal).loom;
    const settle = (promise: Promise<unknown>): Promise<Outcome> =>
      promise.then(
        () => ({ resolved: true as const }),
        (error: InstanceType<typeof loom.LoomError>) => ({
          loomError: error instanceof loom.LoomError,
          code: error.code,
          diagnostics: error.diagnostics.map((d) => d.code),
          message: error.message,
        }),
      );
    const acquired = await loom.pageDevice();
    const weights = loom.initWeights(ir, seed);
    const tokens = { tokens: { shape: [1, 3], data: Float64Array.from([1, 2, 3]) } };
    const sound = await loom.WebGpuModel.load(acquired.device, ir, plan, weights);
    const logits = Array.from((await sound.forward(tokens)).outputs["logits"]!.data);
    const broken = await loom.WebGpuModel.load(acquired.device, ir, aliased, weights);
    const forward = await settle(broken.forward(tokens));
    const generate = await settle(
      (async () => {
        const options = { maxTokens: 2, temperature: 0, topK: 0, topP: 1, seed: 0 };
        for await (const _ of loom.generateOnDevice(broken, [1, 2, 3], options));
      })(),
    );
    const opened = await loom.openInBrowser(ir, weights, { plan: uncompilable, planProfile });
    acquired.device.destroy();
    const lost = await settle(sound.forward(tokens));
    return { logits, forward, generate, opened: "error" in opened ? opened.error : "opened", lost };
  }, args);
}

describe("GPU errors reach the caller in headless Chromium", () => {
  it(
    "rejects with E0801 naming the step, E0805 naming the kernel, E0804 once the device is lost",
    async () => {
      const ir = checkSpec("tiny-errors.loom", () => TINY_SPEC).models[0]!.ir!;
      const kind = await chromium.page.evaluate(async () => {
        const loom = (globalThis as unknown as PageGlobal).loom;
        return (await loom.pageDevice()).kind;
      });
      const plan = lowerToPlan(ir, { target: kind }).plan!;
      const aliased = aliasWrittenBuffer(plan);
      const uncompilable = breakWgsl(plan);
      const result = await runInPage({
        ir,
        plan,
        aliased: aliased.plan,
        uncompilable: uncompilable.plan,
        planProfile: profileFor(kind),
        seed: SEED,
      });

      const reference = new ReferenceExecutor(ir, initWeights(ir, SEED)).run({
        tokens: { shape: [1, 3], data: Float64Array.from([1, 2, 3]) },
      })["logits"]!;
      expect(result.logits).toHaveLength(reference.data.length);
      const worst = Math.max(...result.logits.map((v, i) => Math.abs(v - reference.data[i]!)));
      expect(worst).toBeLessThan(1e-3);

      for (const outcome of [result.forward, result.generate]) {
        expect(outcome).toMatchObject({ loomError: true, code: "E0801", diagnostics: ["E0801"] });
        expect(outcome.message).toContain(
          `running step ${aliased.step} (kernel \`${aliased.kernel}\``,
        );
      }
      expect(result.opened).toContain(
        `E0805 the WGSL of kernel \`${uncompilable.kernel}\` does not compile: ${uncompilable.kernel}:${uncompilable.line}:`,
      );
      expect(result.lost).toMatchObject({ loomError: true, code: "E0804" });
      expect(result.lost.message).toMatch(/device was lost .*destroyed/);
    },
    4 * 60_000,
  );
});
