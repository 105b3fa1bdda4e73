import AxeBuilder from "@axe-core/playwright";
import { test as base, expect, type BrowserContext, type Page } from "@playwright/test";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { z } from "zod";
import { TaskSchema, type Task } from "@taskbridge/shared/task";
import { tokenFromBody } from "@taskbridge/auth/token-body";
import { API_URL, E2E_DATA_DIR, E2E_PG_PORT, WEB_URL } from "../playwright.config.ts";

export interface TestUser {
  name: string;
  email: string;
  password: string;
}

export function newUser(label = "user"): TestUser {
  return {
    name: `E2E ${label}`,
    email: `${label}-${Date.now()}-${randomBytes(3).toString("hex")}@example.test`,
    password: "correct horse battery staple",
  };
}

const addresses = new WeakMap<BrowserContext, string>();

/**
 * The client address the web app sees for a browser context: one of its own, as separate people
 * have, so that the people the suite plays, several at a time, are each within the web app's
 * per-address limits (tested on their own in the unit suite) rather than all in loopback's. The
 * e2e stack trusts loopback as its proxy (TRUSTED_PROXIES), so X-Forwarded-For counts.
 */
export async function ownAddress(context: BrowserContext): Promise<string> {
  const held = addresses.get(context);
  if (held) return held;
  const [a = 0, b = 0, c = 1] = randomBytes(3);
  const address = `10.${a}.${b}.${c}`;
  addresses.set(context, address);
  await context.route(`${WEB_URL}/**`, (route) =>
    route.continue({
      headers: { ...route.request().headers(), "x-forwarded-for": address },
    }),
  );
  return address;
}

/** Headers for the page's own requests to the web app (outside the browser), from its address. */
async function fromPage(page: Page): Promise<Record<string, string>> {
  return { origin: WEB_URL, "x-forwarded-for": await ownAddress(page.context()) };
}

/**
 * Signs a new user up through Better Auth's API (not the form), then signs in (sign-up signs no
 * one in): the session cookie lands in the page's context.
 */
export async function signUpByApi(page: Page, user: TestUser = newUser()): Promise<TestUser> {
  const headers = await fromPage(page);
  const signUp = await page.request.post(`${WEB_URL}/api/auth/sign-up/email`, {
    data: { name: user.name, email: user.email, password: user.password },
    headers,
  });
  expect(signUp.status(), await signUp.text()).toBe(200);
  const signIn = await page.request.post(`${WEB_URL}/api/auth/sign-in/email`, {
    data: { email: user.email, password: user.password },
    headers,
  });
  expect(signIn.status(), await signIn.text()).toBe(200);
  return user;
}

/** A token for the page's signed-in user, to look at the API directly. */
export async function tokenOf(page: Page): Promise<string> {
  const response = await page.request.get(`${WEB_URL}/api/auth/token`, {
    headers: await fromPage(page),
  });
  const token = tokenFromBody(await response.json());
  if (token === undefined) throw new Error(`no token (${response.status()})`);
  return token;
}

export async function apiTasks(page: Page, token: string): Promise<Task[]> {
  const response = await page.request.get(`${API_URL}/api/tasks?limit=500`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.status()).toBe(200);
  return z.array(TaskSchema).parse(await response.json());
}

type NewTask = {
  title: string;
  due_date?: string | null;
  due_time?: string;
  tags?: string[];
  completed?: boolean;
  priority?: "low" | "medium" | "high";
  remind_at?: string;
};

/** Creates tasks through the API as the token's user, checking each answer. */
export async function createTasks(page: Page, token: string, tasks: NewTask[]) {
  const created = [];
  // A few at a time: the API is the one under test, not the machine's patience.
  for (let start = 0; start < tasks.length; start += 10) {
    const batch = await Promise.all(
      tasks.slice(start, start + 10).map(async (task) => {
        const response = await page.request.post(`${API_URL}/api/tasks`, {
          headers: { authorization: `Bearer ${token}` },
          data: task,
        });
        expect(response.status(), await response.text()).toBe(201);
        return TaskSchema.parse(await response.json());
      }),
    );
    created.push(...batch);
  }
  return created;
}

export async function addTask(page: Page, title: string) {
  await page.getByLabel("Title", { exact: true }).first().fill(title);
  await page.getByRole("button", { name: "Add task" }).click();
  // Shown at once, then saved: wait until the API has confirmed it.
  const item = page.getByTestId("task-item").filter({ hasText: title });
  await expect(item.first()).toHaveAttribute("aria-busy", "false");
}

interface Animated {
  getAnimations(): Array<{ playState: string }>;
}

/**
 * Axe's findings once the page is still: measured during a colour transition (the scheme just
 * switched, a button's hover fading), contrast would be judged on colours halfway between two.
 */
export async function axe(page: Page, options: { only?: readonly string[] } = {}) {
  // A function, not a string: the pages' CSP refuses eval. (e2e code is typed without the DOM.)
  await page.waitForFunction(() =>
    (globalThis as unknown as { document: Animated }).document
      .getAnimations()
      .every((animation) => animation.playState !== "running"),
  );
  // One axe.run in the page itself. By default AxeBuilder audits each frame apart and merges the
  // results in a page it opens for every audit, which doubles an audit's cost; our pages have no
  // frames, and axe's frame-tested rule would report one that went unaudited.
  const builder = new AxeBuilder({ page }).setLegacyMode(true);
  if (options.only) builder.withRules([...options.only]);
  return builder.analyze();
}

/**
 * The rules whose outcome a colour scheme can change: the schemes differ in colours only (CSS
 * custom properties under `prefers-color-scheme`), so after a full audit in one scheme these are
 * all the other needs.
 */
export const COLOUR_RULES = ["color-contrast", "link-in-text-block"] as const;

/**
 * Runs one statement in the stack's database, for a state no request can make at once (an invite
 * past its expiry). Everything the suite checks still goes through the apps.
 */
export async function inDatabase(statement: string, values: unknown[]): Promise<void> {
  const secrets = z
    .object({ embeddedPgPassword: z.string() })
    .parse(
      JSON.parse(
        await readFile(
          path.join(import.meta.dirname, "..", E2E_DATA_DIR, "local-secrets.json"),
          "utf8",
        ),
      ),
    );
  const client = new pg.Client({
    host: "127.0.0.1",
    port: E2E_PG_PORT,
    user: "postgres",
    password: secrets.embeddedPgPassword,
    database: "taskbridge",
  });
  await client.connect();
  try {
    await client.query(statement, values);
  } finally {
    await client.end();
  }
}

export const test = base.extend({
  context: async ({ context }, use) => {
    await ownAddress(context);
    await use(context);
  },
});
export { expect, API_URL, WEB_URL };
