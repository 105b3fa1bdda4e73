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

test("a list read answered before a task was added does not take the task off the board", async ({
  page,
}) => {
  await signUpByApi(page);
  // The board's first read of the list is answered at once by the API, but reaches the page
  // only after a task has been added and saved: it knows nothing of that task.
  let saved: () => void = () => undefined;
  const taskSaved = new Promise<void>((resolve) => (saved = resolve));
  let held = false;
  await page.route(`${API_URL}/api/tasks?*`, async (route) => {
    if (held || route.request().method() !== "GET") return route.fallback();
    held = true;
    const response = await route.fetch();
    await taskSaved;
    await route.fulfill({ response });
  });
  page.on("response", (response) => {
    if (response.request().method() === "POST" && response.url() === `${API_URL}/api/tasks`)
      saved();
  });
  await page.goto("/tasks?view=all");
  await page.getByLabel("Title", { exact: true }).fill("Added while the list was on its way");
  await page.getByRole("button", { name: "Add task" }).click();
  const item = page.getByTestId("task-item").filter({ hasText: "Added while the list" });
  await expect(item).toHaveAttribute("aria-busy", "false");
  // Still there once the older answer has landed, and after the page settles.
  await page.waitForTimeout(1500);
  await expect(item).toHaveCount(1);
  await expect(page.getByRole("link", { name: "All 1" })).toBeVisible();
});
