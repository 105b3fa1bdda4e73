import { addTask, API_URL, expect, signUpByApi, test } from "./fixtures.ts";

test("the board keeps working across several token expiries", async ({ page }) => {
  const errors: string[] = [];
  const tokens = new Set<string>();
  page.on("request", (request) => {
    const authorization = request.headers().authorization;
    if (request.url().startsWith(API_URL) && authorization) tokens.add(authorization);
  });
  page.on("response", (response) => {
    if (response.url().startsWith(API_URL) && response.status() >= 400)
      errors.push(`${response.status()} ${response.url()}`);
  });
  await signUpByApi(page);
  // All, where a completed task stays in sight.
  await page.goto("/tasks?view=all");
  await addTask(page, "Before the first expiry");
  // Tokens live 5 s in this stack (playwright.config.ts); cross two expiries.
  for (const round of [1, 2]) {
    await page.waitForTimeout(6_000);
    await addTask(page, `After expiry ${round}`);
  }
  await page.getByRole("checkbox", { name: "Before the first expiry" }).click();
  await expect(page.getByRole("checkbox", { name: "Before the first expiry" })).toBeChecked();
  await expect(page.locator("[data-sonner-toast][data-type=error]")).toHaveCount(0);
  expect(errors.filter((line) => !line.startsWith("401"))).toEqual([]);
  // The page really did move on to new tokens, one at least per expiry.
  expect(tokens.size).toBeGreaterThanOrEqual(3);
});

test("a change the API refuses is rolled back, with an error shown", async ({ page }) => {
  await signUpByApi(page);
  await page.goto("/tasks");
  await addTask(page, "Stays pending");
  await page.route(`${API_URL}/api/tasks/*/complete`, (route) =>
    route.fulfill({
      status: 500,
      contentType: "application/problem+json",
      body: JSON.stringify({
        type: "about:blank",
        title: "Internal Server Error",
        status: 500,
        detail: "An unexpected error occurred",
      }),
    }),
  );
  const box = page.getByRole("checkbox", { name: "Stays pending" });
  await box.click();
  await expect(page.getByText(/Could not update the task/)).toBeVisible();
  await expect(box).not.toBeChecked();
});
