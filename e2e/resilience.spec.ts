import { addTask, API_URL, expect, signUpByApi, test } from "./fixtures.ts";

test("the board keeps working across several token expiries", async ({ page }) => {
  test.setTimeout(150_000);
  const errors: string[] = [];
  page.on("response", (response) => {
    if (response.url().startsWith(API_URL) && response.status() >= 400)
      errors.push(`${response.status()} ${response.url()}`);
  });
  await signUpByApi(page);
  // All, where a completed task stays in sight.
  await page.goto("/tasks?view=all");
  await addTask(page, "Before the first expiry");
  // Tokens live 30 s in this stack; cross two expiries.
  for (const round of [1, 2]) {
    await page.waitForTimeout(32_000);
    await addTask(page, `After expiry ${round}`);
  }
  await page.getByRole("checkbox", { name: "Before the first expiry" }).click();
  await expect(page.getByRole("checkbox", { name: "Before the first expiry" })).toBeChecked();
  await expect(page.locator("[data-sonner-toast][data-type=error]")).toHaveCount(0);
  expect(errors.filter((line) => !line.startsWith("401"))).toEqual([]);
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
