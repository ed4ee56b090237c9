import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));
const repository = fileURLToPath(new URL("..", import.meta.url));

/** The playground: this folder is the page; specs/, weights/ and src/ come from the repository. */
export default defineConfig({
  root: here,
  server: { fs: { allow: [repository] } },
});
