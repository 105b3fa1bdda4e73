import {
  addTask,
  API_URL,
  apiTasks,
  axe,
  expect,
  signUpByApi,
  test,
  tokenOf,
  WEB_URL,
} from "./fixtures.ts";

test("deleting the account signs the user out and removes every task", async ({ page }) => {
  const user = await signUpByApi(page);
  await page.goto("/tasks");
  await addTask(page, "Soon gone");
  await addTask(page, "Also gone");
  const token = await tokenOf(page);
  expect(await apiTasks(page, token)).toHaveLength(2);

  await page.getByRole("link", { name: "Account" }).click();
  await page.getByRole("button", { name: "Delete my account" }).click();
  await expect(page.getByText("Enter your password to confirm.")).toBeVisible();
  await page.getByLabel("Type your password to confirm").fill(user.password);
  await page.getByRole("button", { name: "Delete my account" }).click();
  await expect(page).toHaveURL(/\/sign-in\?deleted=1/);
  await expect(page.getByText("Your account and its tasks were deleted.")).toBeVisible();

  // The account's tokens are refused at once, well before they would expire.
  const after = await page.request.get(`${API_URL}/api/tasks`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(after.status()).toBe(401);
  const session = await page.request.get(`${WEB_URL}/api/auth/get-session`);
  expect(await session.json()).toBeNull();
});

test("the account page changes the name and the password", async ({ page }) => {
  const user = await signUpByApi(page);
  await page.goto("/account");
  await page.getByRole("textbox", { name: "Name" }).fill("Renamed Person");
  await page.getByRole("button", { name: "Save name" }).click();
  await expect(page.getByText("Name saved")).toBeVisible();

  await page.getByLabel("Current password").fill("not my password");
  await page.getByLabel("New password").fill("a brand new password");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("That is not your current password.")).toBeVisible();
  await page.getByLabel("Current password").fill(user.password);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Password changed")).toBeVisible();
});

test.describe("accessibility and looks", () => {
  const audit = async (page: import("@playwright/test").Page) => {
    const results = await axe(page);
    return results.violations
      .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
      .map((v) => `${v.id}: ${v.help}`);
  };

  test("the home, sign-in and sign-up pages pass axe with no serious or critical violations", async ({
    page,
  }) => {
    for (const path of ["/", "/sign-in", "/sign-up"]) {
      await page.goto(path);
      expect(await audit(page), path).toEqual([]);
    }
  });
});
