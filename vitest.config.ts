import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Vite's resolver misreads chrono-node's overlapping "./*" and "./*/*" export patterns;
    // Node and Next read them as written.
    alias: {
      // The web app's own import paths, for tests of its route handlers and proxy.
      "@/": fileURLToPath(new URL("apps/web/src/", import.meta.url)),
      "server-only": fileURLToPath(new URL("tests/stubs/server-only.ts", import.meta.url)),
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
    // Most test files spend their time waiting on sockets, PostgreSQL and timers, so twice as
    // many workers as cores keeps the cores busy. Each file builds its own app on its own
    // database and nothing stubs modules or the environment, so a worker runs its files one
    // after another without reloading the modules they share.
    maxWorkers: Math.max(4, availableParallelism()),
    isolate: false,
    // Memory checks collect garbage before they measure, so they see what is held.
    execArgv: ["--expose-gc"],
  },
});
