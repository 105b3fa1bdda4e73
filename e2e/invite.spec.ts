import type { Page } from "@playwright/test";
import { randomBytes } from "node:crypto";
import {
  API_URL,
  axe,
  COLOUR_RULES,
  expect,
  inDatabase,
  newUser,
  signUpByApi,
  test,
  tokenOf,
  WEB_URL,
} from "./fixtures.ts";

// Sharing a list: the invite page a link opens (for a signed-out visitor through sign-in or
// sign-up and back), and the owner's Share dialog. Lists and invites are made through the API as
// their owner, the way the board would.

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

async function createList(page: Page, token: string, name: string): Promise<string> {
  const response = await page.request.post(`${API_URL}/api/lists`, {
    headers: auth(token),
    data: { name, color: "green" },
  });
  expect(response.status(), await response.text()).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

async function createInvite(
  page: Page,
  token: string,
  listId: string,
  role: "editor" | "viewer",
): Promise<{ id: string; token: string }> {
  const response = await page.request.post(`${API_URL}/api/lists/${listId}/invites`, {
    headers: auth(token),
    data: { role },
  });
  expect(response.status(), await response.text()).toBe(201);
  return (await response.json()) as { id: string; token: string };
}

/** The user's role in the list through the API, or null when they are not in it (404). */
async function roleIn(page: Page, token: string, listId: string): Promise<string | null> {
  const response = await page.request.get(`${API_URL}/api/lists/${listId}`, {
    headers: auth(token),
  });
  if (response.status() === 404) return null;
  expect(response.status(), await response.text()).toBe(200);
  return ((await response.json()) as { role: string }).role;
}

/** An owner with a list of their own, signed in on `page`. */
async function ownerWithList(page: Page, name: string) {
  const owner = await signUpByApi(page, newUser("owner"));
  const token = await tokenOf(page);
  const listId = await createList(page, token, name);
  return { owner, token, listId };
}

const deadLink = (page: Page) =>
  page.getByRole("heading", { name: "This invite link is no longer valid", level: 1 });

async function auditBothSchemes(page: Page, what: string) {
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const { violations } = await axe(page, scheme === "dark" ? { only: COLOUR_RULES } : {});
    expect(
      violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`),
      `${what} ${scheme}`,
    ).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: "light" });
}

test("a signed-out visitor signs in, comes back to the invite and joins the list", async ({
  page,
  browser,
}) => {
  const { token, listId } = await ownerWithList(page, "Groceries");
  const invite = await createInvite(page, token, listId, "editor");

  // The guest has an account but is signed out in this browser.
  const context = await browser.newContext();
  try {
    const guestPage = await context.newPage();
    const guest = await signUpByApi(guestPage, newUser("guest"));
    await context.clearCookies();

    await guestPage.goto(`/invite/${invite.token}`);
    await expect(guestPage).toHaveURL(
      `/sign-in?next=${encodeURIComponent(`/invite/${invite.token}`)}`,
    );
    await guestPage.getByLabel("Email").fill(guest.email);
    await guestPage.getByLabel("Password").fill(guest.password);
    await guestPage.getByRole("button", { name: "Sign in" }).click();

    await expect(guestPage).toHaveURL(`/invite/${invite.token}`);
    const heading = guestPage.getByRole("heading", {
      name: "E2E owner invited you to edit “Groceries”",
      level: 1,
    });
    await expect(heading).toBeVisible();
    await expect(heading).toBeFocused();
    await guestPage.getByRole("button", { name: "Join list" }).click();

    await expect(guestPage).toHaveURL(`/tasks?list=${listId}`);
    await expect(guestPage.getByRole("heading", { name: "Groceries", level: 1 })).toBeVisible();
    await expect(guestPage.getByText("Shared by E2E owner")).toBeVisible();
    await expect(guestPage.getByText("Joined “Groceries”")).toBeVisible();
    expect(await roleIn(guestPage, await tokenOf(guestPage), listId)).toBe("editor");
  } finally {
    await context.close();
  }
});

test("a session the server no longer knows goes through sign-in back to the page asked for", async ({
  page,
  context,
}) => {
  // The proxy only looks whether a session cookie is there; the page's server code finds it
  // stale and sends the visitor to sign in, to come back to the whole path and its query.
  await context.addCookies([
    { name: "better-auth.session_token", value: "stale.value", url: WEB_URL },
  ]);
  const invite = `/invite/${randomBytes(32).toString("base64url")}`;
  for (const path of [invite, "/tasks?view=upcoming"]) {
    await page.goto(path);
    await expect(page).toHaveURL(`/sign-in?next=${encodeURIComponent(path)}`);
  }
});

test("a new person signs up from the invite, comes back to it and joins", async ({
  page,
  browser,
}) => {
  const { token, listId } = await ownerWithList(page, "Book club");
  const invite = await createInvite(page, token, listId, "viewer");

  const context = await browser.newContext();
  try {
    const guestPage = await context.newPage();
    const guest = newUser("newcomer");
    await guestPage.goto(`/invite/${invite.token}`);
    await guestPage.getByRole("link", { name: "Create an account" }).click();
    await expect(guestPage).toHaveURL(
      `/sign-up?next=${encodeURIComponent(`/invite/${invite.token}`)}`,
    );
    await guestPage.getByLabel("Name").fill(guest.name);
    await guestPage.getByLabel("Email").fill(guest.email);
    await guestPage.getByLabel("Password").fill(guest.password);
    await guestPage.getByRole("button", { name: "Create account" }).click();

    await expect(guestPage).toHaveURL(`/invite/${invite.token}`);
    await expect(
      guestPage.getByRole("heading", { name: "E2E owner invited you to view “Book club”" }),
    ).toBeVisible();
    await guestPage.getByRole("button", { name: "Join list" }).click();
    await expect(guestPage).toHaveURL(`/tasks?list=${listId}`);
    await expect(guestPage.getByText("View only")).toBeVisible();
    expect(await roleIn(guestPage, await tokenOf(guestPage), listId)).toBe("viewer");
  } finally {
    await context.close();
  }
});

test("declining leaves the list alone; the owner's own link changes nothing", async ({
  page,
  browser,
}) => {
  const { token, listId } = await ownerWithList(page, "Garden");
  const invite = await createInvite(page, token, listId, "editor");

  const context = await browser.newContext();
  try {
    const guestPage = await context.newPage();
    await signUpByApi(guestPage, newUser("guest"));
    await guestPage.goto(`/invite/${invite.token}`);
    await guestPage.getByRole("button", { name: "Decline" }).click();
    await expect(guestPage).toHaveURL("/tasks");
    expect(await roleIn(guestPage, await tokenOf(guestPage), listId)).toBeNull();
  } finally {
    await context.close();
  }

  // The owner follows their own link: the API answers the list as theirs, and the board says so.
  await page.goto(`/invite/${invite.token}`);
  await page.getByRole("button", { name: "Join list" }).click();
  await expect(page).toHaveURL(`/tasks?list=${listId}`);
  await expect(page.getByText("“Garden” is your own list")).toBeVisible();
  expect(await roleIn(page, token, listId)).toBe("owner");
  // Declined and not used, the link still works for someone else.
  const left = await page.request.get(`${API_URL}/api/lists/${listId}/invites`, {
    headers: auth(token),
  });
  expect(await left.json()).toEqual([expect.objectContaining({ id: invite.id, uses: 0 })]);
});

test("unknown and revoked links say only that they no longer work, and pass axe", async ({
  page,
  browser,
}) => {
  const { token, listId } = await ownerWithList(page, "Secret plans");
  const revoked = await createInvite(page, token, listId, "editor");
  const revoke = await page.request.delete(`${API_URL}/api/lists/${listId}/invites/${revoked.id}`, {
    headers: auth(token),
  });
  expect(revoke.status()).toBe(204);
  const later = await createInvite(page, token, listId, "viewer");

  const context = await browser.newContext();
  try {
    const guestPage = await context.newPage();
    await signUpByApi(guestPage, newUser("guest"));

    // A live link first, audited as the invite it is.
    await guestPage.goto(`/invite/${later.token}`);
    await expect(
      guestPage.getByRole("heading", { name: "E2E owner invited you to view “Secret plans”" }),
    ).toBeVisible();
    await auditBothSchemes(guestPage, "invite");

    for (const dead of [revoked.token, randomBytes(32).toString("base64url")]) {
      await guestPage.goto(`/invite/${dead}`);
      await expect(deadLink(guestPage)).toBeVisible();
      await expect(deadLink(guestPage)).toBeFocused();
      // Nothing of the list shows through a dead link.
      await expect(guestPage.getByText("Secret plans")).toHaveCount(0);
      await expect(guestPage.getByRole("button", { name: "Join list" })).toHaveCount(0);
    }
    await auditBothSchemes(guestPage, "dead link");
    await guestPage.getByRole("link", { name: "Go to your tasks" }).click();
    await expect(guestPage).toHaveURL("/tasks");

    // Revoked while the page was open: joining then finds it dead.
    await guestPage.goto(`/invite/${later.token}`);
    await expect(guestPage.getByRole("button", { name: "Join list" })).toBeVisible();
    await page.request.delete(`${API_URL}/api/lists/${listId}/invites/${later.id}`, {
      headers: auth(token),
    });
    await guestPage.getByRole("button", { name: "Join list" }).click();
    await expect(deadLink(guestPage)).toBeVisible();
    expect(await roleIn(guestPage, await tokenOf(guestPage), listId)).toBeNull();
  } finally {
    await context.close();
  }
});

test("expired and used-up links read exactly as a revoked one", async ({ page, browser }) => {
  const { token, listId } = await ownerWithList(page, "Secret plans");
  const expired = await createInvite(page, token, listId, "editor");
  await inDatabase(
    "update list_invite set expires_at = now() - interval '1 second' where id = $1",
    [expired.id],
  );
  const usedUp = await createInvite(page, token, listId, "editor");

  const first = await browser.newContext();
  const second = await browser.newContext();
  try {
    // Someone else takes the one use the link had.
    const taker = await first.newPage();
    await signUpByApi(taker, newUser("taker"));
    const accept = await taker.request.post(`${API_URL}/api/invites/${usedUp.token}/accept`, {
      headers: auth(await tokenOf(taker)),
    });
    expect(accept.status(), await accept.text()).toBe(200);

    const guestPage = await second.newPage();
    await signUpByApi(guestPage, newUser("guest"));
    for (const dead of [expired.token, usedUp.token]) {
      await guestPage.goto(`/invite/${dead}`);
      await expect(deadLink(guestPage)).toBeVisible();
      await expect(guestPage.getByText("Secret plans")).toHaveCount(0);
      await expect(guestPage.getByRole("button", { name: "Join list" })).toHaveCount(0);
    }
    expect(await roleIn(guestPage, await tokenOf(guestPage), listId)).toBeNull();
  } finally {
    await first.close();
    await second.close();
  }
});

test("the owner shares a list from its options, keyboard only", async ({ page, browser }) => {
  const { token, listId } = await ownerWithList(page, "Household");
  // A member to manage: a guest who joined through a link made by the API.
  const context = await browser.newContext();
  try {
    const guestPage = await context.newPage();
    await signUpByApi(guestPage, newUser("guest"));
    const guestToken = await tokenOf(guestPage);
    const joining = await createInvite(page, token, listId, "editor");
    const accepted = await guestPage.request.post(
      `${API_URL}/api/invites/${joining.token}/accept`,
      { headers: auth(guestToken) },
    );
    expect(accepted.status(), await accepted.text()).toBe(200);

    await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
    await page.goto(`/tasks?list=${listId}`);
    await expect(page.getByRole("heading", { name: "Household", level: 1 })).toBeVisible();
    const options = page.getByRole("button", { name: "List options" });
    await options.focus();
    await page.keyboard.press("Enter");
    const share = page.getByRole("menuitem", { name: "Share" });
    await expect(page.getByRole("menuitem", { name: "Rename" })).toBeFocused();
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    await expect(share).toBeFocused();
    await page.keyboard.press("Enter");

    const dialog = page.getByRole("dialog", { name: "Share “Household”" });
    await expect(dialog).toBeVisible();
    const role = dialog.getByRole("combobox", { name: "Role", exact: true });
    await expect(role).toBeFocused();
    await expect(role).toHaveValue("editor");
    // The link made for the guest is open until used up; it was used, so none is listed yet.
    await expect(dialog.getByText("No open invites.")).toBeVisible();

    await page.keyboard.press("Tab");
    await expect(dialog.getByRole("button", { name: "Create invite link" })).toBeFocused();
    await page.keyboard.press("Enter");
    const link = dialog.getByRole("textbox", { name: "Invite link" });
    await expect(link).toBeFocused();
    await expect(link).toHaveValue(new RegExp(`^${page.url().split("/tasks")[0]}/invite/[\\w-]+$`));
    await expect(link).toHaveAttribute("readonly", "");
    const url = await link.inputValue();
    await expect(dialog.getByText("Invite 1 (can edit)")).toBeVisible();

    await page.keyboard.press("Tab");
    await expect(dialog.getByRole("button", { name: "Copy link" })).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(dialog.getByRole("status")).toHaveText("Link copied");
    // (e2e code is typed without the DOM.)
    const clipboard = () =>
      (
        globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
      ).navigator.clipboard.readText();
    expect(await page.evaluate(clipboard)).toBe(url);
    await auditBothSchemes(page, "share dialog");

    // The link works until revoked: the API previews it, then answers 404.
    const inviteToken = url.split("/invite/")[1] ?? "";
    const preview = () =>
      page.request.get(`${API_URL}/api/invites/${inviteToken}`, { headers: auth(token) });
    expect((await preview()).status()).toBe(200);
    await page.keyboard.press("Tab");
    const revoke = dialog.getByRole("button", { name: "Revoke invite 1 (can edit)" });
    await expect(revoke).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(dialog.getByText("No open invites.")).toBeVisible();
    await expect(link).toHaveCount(0);
    await expect(dialog.getByRole("heading", { name: "Open invites" })).toBeFocused();
    expect((await preview()).status()).toBe(404);

    // The members: the owner, then the guest with a role to change and a way out.
    await expect(dialog.getByText("E2E owner (you)")).toBeVisible();
    await page.keyboard.press("Tab");
    const guestRole = dialog.getByRole("combobox", { name: "Role of E2E guest" });
    await expect(guestRole).toBeFocused();
    await expect(guestRole).toHaveValue("editor");

    // A change that does not reach the API says so, and the select shows what is saved.
    const members = `${API_URL}/api/lists/${listId}/members/**`;
    await page.route(members, (route) =>
      route.request().method() === "PATCH" ? route.abort() : route.continue(),
    );
    await page.keyboard.press("ArrowDown");
    await expect(dialog.getByRole("alert")).toContainText("Could not change the role of E2E guest");
    await expect(guestRole).toHaveValue("editor");
    await page.unroute(members);

    await page.keyboard.press("ArrowDown");
    await expect(guestRole).toHaveValue("viewer");
    await expect(dialog.getByRole("alert")).toHaveCount(0);
    await expect.poll(() => roleIn(guestPage, guestToken, listId)).toBe("viewer");

    await page.keyboard.press("Tab");
    await expect(dialog.getByRole("button", { name: "Remove E2E guest" })).toBeFocused();
    await page.keyboard.press("Enter");
    const confirm = dialog.getByRole("button", { name: "Yes, remove E2E guest" });
    await expect(confirm).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(dialog.getByText("E2E guest")).toHaveCount(0);
    await expect(dialog.getByRole("heading", { name: "Members" })).toBeFocused();
    expect(await roleIn(guestPage, guestToken, listId)).toBeNull();

    await page.keyboard.press("Escape");
    await expect(dialog).toHaveCount(0);
  } finally {
    await context.close();
  }
});
