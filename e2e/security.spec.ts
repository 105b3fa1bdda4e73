import type { Page } from "@playwright/test";
import { addTask, expect, newUser, signUpByApi, test, WEB_URL } from "./fixtures.ts";

// `next` comes from a link anyone can write; after signing in it must never lead off the site.
// Browsers drop tabs and line breaks inside a URL and read a backslash as a slash, so each of these
// is "//evil.example" to them.
const OFF_SITE = [
  "/%09/evil.example",
  "/%0a/evil.example",
  "/%0d/evil.example",
  "//evil.example",
  "/%5Cevil.example",
];

/** Refuses (and records) any request that leaves for evil.example. */
async function watchOffSite(page: Page): Promise<string[]> {
  const left: string[] = [];
  await page.context().route(
    (url) => url.hostname.endsWith("evil.example"),
    (route) => {
      left.push(route.request().url());
      return route.abort();
    },
  );
  return left;
}

test.describe("the next parameter", () => {
  test("a signed-in visit to sign-in or sign-up stays on the site", async ({ page }) => {
    const left = await watchOffSite(page);
    await signUpByApi(page);
    for (const form of ["/sign-in", "/sign-up"]) {
      for (const next of OFF_SITE) {
        const response = await page.goto(`${form}?next=${next}`);
        expect(response?.status(), `${form}?next=${next}`).toBeLessThan(400);
        expect(new URL(page.url()).origin).toBe(WEB_URL);
        await expect(page).toHaveURL(/\/tasks$/);
      }
    }
    expect(left).toEqual([]);
  });

  test("signing in or up through the form stays on the site", async ({ page }) => {
    const left = await watchOffSite(page);
    const user = await signUpByApi(page);
    await page.context().clearCookies();
    for (const next of OFF_SITE.slice(0, 3)) {
      await page.goto(`/sign-in?next=${next}`);
      await page.getByLabel("Email").fill(user.email);
      await page.getByLabel("Password").fill(user.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page).toHaveURL(/\/tasks$/);
      expect(new URL(page.url()).origin).toBe(WEB_URL);
      await page.context().clearCookies();
    }
    const fresh = newUser("next");
    await page.goto(`/sign-up?next=${OFF_SITE[1]}`);
    await page.getByLabel("Name").fill(fresh.name);
    await page.getByLabel("Email").fill(fresh.email);
    await page.getByLabel("Password").fill(fresh.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page).toHaveURL(/\/tasks$/);
    expect(left).toEqual([]);
  });

  test("line breaks and non-ASCII in next never answer 500", async ({ page }) => {
    await signUpByApi(page);
    for (const next of [
      "/t%C3%A2ches",
      "/tasks%0d%0aSet-Cookie:%20x=1",
      "/%E2%80%AE",
      "%F0%9F%98%80",
    ]) {
      for (const form of ["/sign-in", "/sign-up"]) {
        const response = await page.request.get(`${form}?next=${next}`, { maxRedirects: 0 });
        expect(response.status(), `${form}?next=${next}`).toBeLessThan(500);
        expect(response.headers()["set-cookie"] ?? "").not.toContain("x=1");
      }
    }
  });
});

test.describe("security headers", () => {
  test("every page and route carries them, with a nonce-based CSP", async ({ page }) => {
    await signUpByApi(page);
    for (const path of ["/", "/sign-in", "/sign-up", "/tasks", "/account", "/api/auth/ok"]) {
      const response = await page.request.get(path, { maxRedirects: 0 });
      const headers = response.headers();
      expect(headers["x-content-type-options"], path).toBe("nosniff");
      expect(headers["x-frame-options"], path).toBe("DENY");
      expect(headers["referrer-policy"], path).toBe("strict-origin-when-cross-origin");
      const csp = headers["content-security-policy"] ?? "";
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{20,}' 'strict-dynamic'/);
      expect(csp, path).not.toContain("unsafe-eval");
      expect(headers["strict-transport-security"], path).toBeUndefined();
    }
    // Each response has a nonce of its own.
    const nonces = await Promise.all(
      [1, 2].map(
        async () => (await page.request.get("/sign-in")).headers()["content-security-policy"],
      ),
    );
    expect(nonces[0]).not.toBe(nonces[1]);
    // Served over https (a proxy says so), HSTS too.
    const https = await page.request.get("/sign-in", { headers: { "x-forwarded-proto": "https" } });
    expect(https.headers()["strict-transport-security"]).toMatch(/max-age=\d{7,}/);
  });

  test("another origin cannot frame the account page", async ({ page }) => {
    await signUpByApi(page);
    await page.route("http://framing.test/", (route) =>
      route.fulfill({
        contentType: "text/html",
        body: `<!doctype html><title>framer</title><iframe src="${WEB_URL}/account" width="600" height="400"></iframe>`,
      }),
    );
    const requested = page.waitForRequest((request) => request.url().startsWith(WEB_URL));
    // "load" waits for the frame too, whether it shows the page or an error.
    await page.goto("http://framing.test/", { waitUntil: "load" });
    await requested;
    expect(page.frames()).toHaveLength(2);
    // Neither the account page nor the sign-in page it would send a cookieless frame to is
    // shown: both have a <main>; the browser's refusal page does not.
    await expect(page.frameLocator("iframe").locator("main")).toHaveCount(0);
    await expect(page.frameLocator("iframe").getByRole("button")).toHaveCount(0);
  });

  test("the main pages run with no CSP violation", async ({ page }) => {
    const violations: string[] = [];
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.addInitScript({
      content: `document.addEventListener("securitypolicyviolation", (event) =>
        console.error("Content Security Policy violation: " + event.violatedDirective + " " + event.blockedURI));`,
    });
    await page.goto("/");
    await page.goto("/sign-in");
    await page.goto("/sign-up");
    await signUpByApi(page);
    await page.goto("/tasks");
    await addTask(page, "Checked under CSP");
    await page.goto("/account");
    await expect(page.getByRole("button", { name: "Change password" })).toBeVisible();
    // Client-side navigation, after hydration: scripts did run.
    await page.getByRole("link", { name: /tasks/i }).first().click();
    await expect(page).toHaveURL(/\/tasks$/);
    await expect(page.getByText("Checked under CSP")).toBeVisible();
    expect(violations).toEqual([]);
  });
});

test.describe("before the page's script has run", () => {
  // Until React hydrates a page its buttons do nothing; a form's native submission would send
  // its fields in the address (history, server logs, Referer). JavaScript off stands for that
  // moment, which a slow phone stretches.
  test.use({ javaScriptEnabled: false });
  const SECRET = "an-unguessable-passphrase-4711";

  test("Enter in the sign-in and sign-up forms never puts the password in an address", async ({
    page,
  }) => {
    const addresses: string[] = [];
    page.on("request", (request) => addresses.push(request.url()));
    for (const form of ["/sign-up", "/sign-in"]) {
      await page.goto(form);
      if (form === "/sign-up") await page.getByLabel("Name").fill("Early Bird");
      await page.getByLabel("Email").fill("early@example.test");
      await page.getByLabel("Password").fill(SECRET);
      await page.getByLabel("Password").press("Enter");
      await page.waitForLoadState();
    }
    expect(addresses.filter((address) => address.includes(SECRET))).toEqual([]);
    await expect(page.getByRole("button", { name: "Sign in" })).toBeDisabled();
  });

  test("the account page's password and delete forms never put a password in an address", async ({
    page,
  }) => {
    await signUpByApi(page);
    const addresses: string[] = [];
    page.on("request", (request) => addresses.push(request.url()));
    await page.goto("/account");
    for (const field of ["Current password", "New password", "Type your password to confirm"]) {
      const input = page.getByLabel(field, { exact: true }).first();
      await input.fill(SECRET);
      await input.press("Enter");
      await page.waitForLoadState();
    }
    expect(addresses.filter((address) => address.includes(SECRET))).toEqual([]);
  });
});
