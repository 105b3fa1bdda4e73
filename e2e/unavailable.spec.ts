// A web app of its own on a PostgreSQL of its own, so that stopping the database here leaves
// the shared e2e stack alone.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startEmbeddedPostgres, type RunningPostgres } from "@taskbridge/db/embedded";
import { migrateDatabase } from "@taskbridge/db/migrate";
import { freePort } from "../tests/database.ts";
import { API_URL, expect, newUser, test } from "./fixtures.ts";

const UNAVAILABLE = /briefly unavailable/;

test.describe("while the database is down", () => {
  // One worker runs these in order, so the web app and the PostgreSQL below are started once.
  test.describe.configure({ mode: "default", timeout: 180_000 });
  let dir: string;
  let postgres: RunningPostgres | undefined;
  let web: ChildProcess | undefined;
  let origin: string;
  const pgOptions = { port: 0, password: "down-e2e-pass-123", database: "app" };

  test.beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "taskbridge-e2e-down-"));
    pgOptions.port = await freePort();
    postgres = await startEmbeddedPostgres({ ...pgOptions, dataDir: path.join(dir, "pg") });
    await migrateDatabase(postgres.url);
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    const webDir = path.resolve(import.meta.dirname, "../apps/web");
    web = spawn(
      process.execPath,
      ["--import", "tsx", "server.ts", "-p", String(port), "-H", "127.0.0.1"],
      {
        cwd: webDir,
        stdio: "ignore",
        env: {
          ...process.env,
          NODE_ENV: "production",
          DATABASE_URL: postgres.url,
          BETTER_AUTH_SECRET: "e2e-database-down-secret-0123456789abcdef",
          BETTER_AUTH_URL: origin,
          NEXT_PUBLIC_API_URL: API_URL,
          NEXT_TELEMETRY_DISABLED: "1",
        },
      },
    );
    await expect
      .poll(
        async () => {
          try {
            return (await fetch(`${origin}/api/auth/ok`)).status;
          } catch {
            return 0;
          }
        },
        { timeout: 90_000, intervals: [500] },
      )
      .toBe(200);
  });

  test.afterAll(async () => {
    if (web && web.exitCode === null) {
      const exited = new Promise((resolve) => web?.once("exit", resolve));
      web.kill("SIGTERM");
      await exited;
    }
    await postgres?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test("sign-in, sign-up and account pages say the service is briefly unavailable", async ({
    page,
  }) => {
    const user = newUser("down");
    await page.goto(`${origin}/sign-up`);
    await page.getByLabel("Name").fill(user.name);
    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page).toHaveURL(/\/tasks$/);

    await postgres?.stop();
    postgres = undefined;

    // The API answers 503 with Retry-After and a problem, not an empty 500.
    const signIn = await page.request.post(`${origin}/api/auth/sign-in/email`, {
      data: { email: user.email, password: user.password },
      headers: { origin },
    });
    expect(signIn.status()).toBe(503);
    expect(signIn.headers()["retry-after"]).toMatch(/^\d+$/);
    expect(await signIn.json()).toMatchObject({
      status: 503,
      detail: expect.stringMatching(UNAVAILABLE),
    });

    // The pages render and say so.
    await page.goto(`${origin}/account`);
    await expect(page.getByTestId("service-unavailable")).toHaveText(UNAVAILABLE);
    await page.context().clearCookies();
    for (const form of ["/sign-in", "/sign-up"]) {
      const response = await page.goto(`${origin}${form}`);
      expect(response?.status()).toBeLessThan(500);
      await expect(page.getByTestId("service-unavailable")).toHaveText(UNAVAILABLE);
    }
    // And the form, sent anyway, says it too.
    await page.getByLabel("Name").fill(user.name);
    await page.getByLabel("Email").fill(`again-${user.email}`);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "try again" }).last()).toHaveText(
      UNAVAILABLE,
    );
  });
});
