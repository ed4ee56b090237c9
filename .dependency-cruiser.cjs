/**
 * Loom's layers, enforced by `npm test` (`npm run check:layers`). From the bottom up:
 *   contracts  src/contracts  diagnostics, source spans, dims, the IR, plan and manifest schemas
 *   grammar    grammar/       lexer, parser, AST
 *   formats    src/formats    safetensors, weight name maps, bundle reading
 *   compiler   src/compiler   elaboration, checks, lowering, WGSL generation, bundle writing
 *   runtime    src/runtime    devices, buffers, dispatch, the reference executor, tokenizers
 *   api        src/api        the package's entry points, composing the layers below
 *   lsp        src/lsp        `loom lsp`: the API's language server on stdio, on the API only
 *   cli, playground           the `loom` command and the page, on the API only (cli also on lsp)
 * docs/ARCHITECTURE.md draws the same picture.
 */
const layer = {
  contracts: "^src/contracts/",
  grammar: "^grammar/",
  formats: "^src/formats/",
  compiler: "^src/compiler/",
  runtime: "^src/runtime/",
  api: "^src/api/",
  lsp: "^src/lsp/",
  cli: "^src/cli/",
  playground: "^playground/",
};

/** A rule: files of `from` may not import files of any layer in `to`. */
const forbid = (from, to, comment) => ({
  name: `${from}-not-${to.join("-")}`,
  comment,
  severity: "error",
  from: { path: layer[from] },
  to: { path: to.map((name) => layer[name]) },
});

module.exports = {
  forbidden: [
    forbid(
      "contracts",
      ["grammar", "formats", "compiler", "runtime", "api", "lsp", "cli", "playground"],
      "Contracts are the bottom layer: plain data, schemas and the helpers every layer shares.",
    ),
    forbid(
      "grammar",
      ["formats", "compiler", "runtime", "api", "lsp", "cli", "playground"],
      "The grammar sees only the contracts (spans, diagnostics).",
    ),
    forbid(
      "formats",
      ["grammar", "compiler", "runtime", "api", "lsp", "cli", "playground"],
      "File formats (weights, bundle reading) sit on the contracts only, so compiler and runtime share them.",
    ),
    forbid(
      "compiler",
      ["runtime", "api", "lsp", "cli", "playground"],
      "The compiler never imports the runtime: WGSL generation is compilation.",
    ),
    forbid(
      "runtime",
      ["grammar", "compiler", "api", "lsp", "cli", "playground"],
      "The runtime executes plans and bundles; it never lowers or generates WGSL.",
    ),
    forbid(
      "api",
      ["lsp", "cli", "playground"],
      "The API composes the layers below it, nothing above.",
    ),
    forbid(
      "lsp",
      ["contracts", "grammar", "formats", "compiler", "runtime", "cli", "playground"],
      "The language server speaks the protocol over the library API, like the CLI.",
    ),
    forbid(
      "cli",
      ["contracts", "grammar", "formats", "compiler", "runtime", "playground"],
      "The CLI is a thin layer over the library API (and the language server, for `loom lsp`).",
    ),
    forbid(
      "playground",
      ["contracts", "grammar", "formats", "compiler", "runtime", "lsp", "cli"],
      "The playground uses the browser API only.",
    ),
    {
      name: "no-dev-dependencies-in-shipped-code",
      comment: "What the package ships may import only its runtime dependencies.",
      severity: "error",
      from: { path: "^(src|grammar)/" },
      to: { dependencyTypes: ["npm-dev"] },
    },
    {
      name: "no-unresolvable",
      severity: "error",
      from: {},
      // @webgpu/types holds declarations only (referenced by a triple-slash directive).
      to: { couldNotResolve: true, pathNot: "^@webgpu/types$" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      // "browser" for the exports that only a browser build offers (vscode-languageserver/browser).
      conditionNames: ["import", "node", "default", "browser"],
    },
  },
};
