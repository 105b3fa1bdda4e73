import { test as base, expect, type Page } from "@playwright/test";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { TaskSchema, type Task } from "@taskbridge/shared/task";
import { tokenFromBody } from "@taskbridge/auth/token-body";
import { API_URL, WEB_URL } from "../playwright.config.ts";

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

/**
 * Signs a new user up through Better Auth's API (not the form), then signs in (sign-up signs no
 * one in): the session cookie lands in the page's context.
 */
export async function signUpByApi(page: Page, user: TestUser = newUser()): Promise<TestUser> {
  // Each fixture user comes from an address of its own, as separate people would, so the
  // suite stays within the per-address sign-up limit (tested on its own in the unit suite).
  // The e2e stack trusts loopback as its proxy (TRUSTED_PROXIES), so this header counts.
  const headers = {
    origin: WEB_URL,
    "x-forwarded-for": `198.18.${randomBytes(1)[0] ?? 0}.${randomBytes(1)[0] ?? 1}`,
  };
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
  const response = await page.request.get(`${WEB_URL}/api/auth/token`);
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

export async function addTask(page: Page, title: string) {
  await page.getByLabel("Title", { exact: true }).first().fill(title);
  await page.getByRole("button", { name: "Add task" }).click();
  // Shown at once, then saved: wait until the API has confirmed it.
  const item = page.getByTestId("task-item").filter({ hasText: title });
  await expect(item.first()).toHaveAttribute("aria-busy", "false");
}

export const test = base;
export { expect, API_URL, WEB_URL };
