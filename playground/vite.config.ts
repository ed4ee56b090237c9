import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));
const repository = fileURLToPath(new URL("..", import.meta.url));

/** The playground: this folder is the page; specs/, weights/ and src/ come from the repository. */
export default defineConfig({
  root: here,
  server: { fs: { allow: [repository] } },
  // The language server's worker is an entry too: its dependencies are pre-bundled with the
  // page's at start-up, not found when it first loads (which would reload the page).
  optimizeDeps: { entries: ["index.html", "src/language-worker.ts"] },
  worker: { format: "es" },
});
