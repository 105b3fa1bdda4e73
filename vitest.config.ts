import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Vite's resolver misreads chrono-node's overlapping "./*" and "./*/*" export patterns;
    // Node and Next read them as written.
    alias: {
      "chrono-node/en": fileURLToPath(
        new URL("node_modules/chrono-node/dist/esm/locales/en/index.js", import.meta.url),
      ),
    },
  },
  test: {
    include: [
      "apps/*/test/**/*.test.ts",
      "packages/*/test/**/*.test.ts",
      "scripts/test/**/*.test.ts",
      "tests/**/*.test.ts",
    ],
    exclude: ["**/node_modules/**", "e2e/**"],
    globalSetup: ["./tests/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
