import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    // Tiles recorded by `loom tune` on this machine must not change what the tests lower.
    env: { LOOM_TILE_CACHE: "/nonexistent/loom-tests/tiles.json" },
  },
});
