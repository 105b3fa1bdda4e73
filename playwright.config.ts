import { defineConfig } from "@playwright/test";
import { existsSync } from "node:fs";

// The stack under test runs as `npm start` runs it, on ports of its own so that a developer's
// running copy (3000/8000) is left alone, with 5-second tokens so that renewal happens within a
// test or two (the browser renews at a quarter of the lifetime before the end).
// E2E_PORT_OFFSET moves all three ports, so two checkouts can run the suite side by side.
const offset = Number(process.env.E2E_PORT_OFFSET ?? 0);
const WEB_PORT = 3100 + offset;
const API_PORT = 8100 + offset;
export const WEB_URL = `http://localhost:${WEB_PORT}`;
export const API_URL = `http://localhost:${API_PORT}`;
/** The stack's embedded PostgreSQL and its folder (its password is among the secrets there). */
export const E2E_PG_PORT = 54349 + offset;
export const E2E_DATA_DIR = ".data/e2e";

/** Chromium as a person runs it: the one test that needs what only it has (notifications) uses it. */
export const FULL_CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/**
 * Chromium's headless shell (Debian's `chromium-headless-shell`, the build Playwright itself runs
 * headless by default): the same engine without the browser's UI layer, at about half the CPU a
 * page costs in full Chromium. That CPU, not waiting, is what bounds the suite on two cores.
 */
const HEADLESS_SHELL = "/usr/lib/chromium/chromium-headless-shell";
const chromium =
  process.env.CHROMIUM_PATH ?? (existsSync(HEADLESS_SHELL) ? HEADLESS_SHELL : FULL_CHROMIUM);
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const FIRST = ["start.spec.ts", "unavailable.spec.ts", "notifications.spec.ts"];

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  timeout: 90_000,
  expect: { timeout: 10_000 },
  // Tests, not files, are shared out: the board's file alone is half of the run. Three workers
  // on two cores: while one test waits (a token's expiry, a toast), the others use the cores.
  fullyParallel: true,
  workers: 3,
  reporter: [["list"]],
  use: {
    baseURL: WEB_URL,
    browserName: "chromium",
    launchOptions: {
      executablePath: chromium,
      args: CHROMIUM_ARGS,
    },
    // Recording a trace costs about a sixth of the suite's time, on every test; to debug a
    // failure, rerun it with `--trace retain-on-failure`. Failures keep a screenshot.
    trace: "off",
    screenshot: "only-on-failure",
  },
  // Tests are handed to workers in project order, and within a project in file order. These
  // files hold long tests that each keep a worker to themselves: two start a stack of their own
  // (`npm start`; a web app whose database goes down), one runs in full Chromium. In file order
  // they came last and ran on their own at the end of every run; first, they overlap the rest.
  projects: [
    { name: "first", testMatch: FIRST },
    { name: "rest", testIgnore: FIRST },
  ],
  webServer: {
    command: "node --import tsx scripts/start.ts",
    wait: { stdout: /\[taskbridge\] ready/ },
    url: `${WEB_URL}/api/auth/ok`,
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 15_000 },
    env: {
      TASKBRIDGE_DATA_DIR: E2E_DATA_DIR,
      EMBEDDED_PG_PORT: String(E2E_PG_PORT),
      WEB_PORT: String(WEB_PORT),
      API_PORT: String(API_PORT),
      BETTER_AUTH_URL: WEB_URL,
      NEXT_PUBLIC_API_URL: API_URL,
      JWT_LIFETIME_SECONDS: "5",
      LOG_LEVEL: "warn",
      // The fixtures sign up from addresses of their own (X-Forwarded-For), as separate people
      // would; the browser and they connect over loopback, which plays the trusted proxy.
      TRUSTED_PROXIES: "127.0.0.1,::1",
    },
  },
});
