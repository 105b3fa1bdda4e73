import { addTask, apiTasks, expect, newUser, signUpByApi, test, tokenOf } from "./fixtures.ts";

test("a new user signs up by hand and manages tasks end to end", async ({ page }) => {
  const user = newUser("journey");
  await page.goto("/tasks");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Ftasks/);
  await page.getByRole("link", { name: "Create an account" }).click();

  // The form checks before sending, and ties the message to the field.
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByLabel("Name")).toBeFocused();
  await expect(page.getByText("Enter your name.")).toBeVisible();

  await page.getByLabel("Name").fill(user.name);
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/tasks$/);
  await expect(page.getByRole("heading", { name: "Today", level: 1 })).toBeVisible();
  await expect(page.getByText("No tasks yet")).toBeVisible();

  // Add three tasks from Today (due today unless said otherwise), one with details.
  await addTask(page, "Buy milk");
  await addTask(page, "Call the plumber");
  await page.getByRole("button", { name: "More details" }).click();
  await page.getByLabel("Title", { exact: true }).fill("File taxes");
  await page.getByLabel("Description").fill("Before the deadline");
  await page.getByLabel("Priority").selectOption("high");
  await page.getByLabel("Due date").fill("2020-01-15");
  await page.getByLabel("Tags").fill("admin, money");
  await page.getByRole("button", { name: "Add task" }).click();
  await expect(page.getByRole("list", { name: /^Overdue/ }).getByText("File taxes")).toBeVisible();
  const views = page.getByRole("navigation", { name: "Views" });
  await expect(views.getByRole("link", { name: "Today 3" })).toBeVisible();

  // The rest in All, which keeps every task and has the filters.
  await views.getByRole("link", { name: /^All/ }).click();
  const list = page.getByRole("list", { name: "Your tasks" });
  await expect(list.getByTestId("task-item")).toHaveCount(3);

  // Edit one.
  await page.getByRole("button", { name: "Edit “Call the plumber”" }).click();
  const dialog = page.getByRole("dialog", { name: "Edit task" });
  await dialog.getByLabel("Title").fill("Call the electrician");
  await dialog.getByRole("button", { name: "Save changes" }).click();
  await expect(list.getByText("Call the electrician")).toBeVisible();
  await expect(list.getByText("Call the plumber")).toHaveCount(0);

  // Complete one: it moves to Completed.
  await page.getByRole("checkbox", { name: "Buy milk" }).click();
  await expect(page.getByRole("checkbox", { name: "Buy milk" })).toBeChecked();
  await expect(views.getByRole("link", { name: "Completed 1" })).toBeVisible();

  // Filter by priority and tag (in any case), then search.
  await page.getByLabel("Priority", { exact: true }).selectOption("high");
  await expect(list.getByTestId("task-item")).toHaveCount(1);
  await page.getByLabel("Priority", { exact: true }).selectOption("");
  await page.getByLabel("Tag", { exact: true }).fill("MONEY");
  await expect(list.getByTestId("task-item")).toHaveCount(1);
  await page.getByLabel("Tag", { exact: true }).fill("");
  await expect(list.getByTestId("task-item")).toHaveCount(3);
  // Away from any field (the middle of the page is one of them at this width).
  await page.getByRole("main").click({ position: { x: 2, y: 2 } });
  await page.keyboard.press("/");
  await expect(page.getByLabel("Search (press /)")).toBeFocused();
  await page.keyboard.type("electric");
  await expect(list.getByTestId("task-item")).toHaveCount(1);
  await expect(list.getByText("Call the electrician")).toBeVisible();
  await page.getByLabel("Search (press /)").fill("");
  await expect(list.getByTestId("task-item")).toHaveCount(3);

  // Delete one, undo, delete again.
  await page.getByRole("button", { name: "Delete “Call the electrician”" }).click();
  await expect(list.getByText("Call the electrician")).toHaveCount(0);
  await page.getByRole("button", { name: "Undo" }).click();
  await expect(list.getByText("Call the electrician")).toBeVisible();
  // Toasts wait while the pointer rests on them; a person moves on.
  await page.mouse.move(0, 0);
  const deleted = page.waitForResponse((response) => response.request().method() === "DELETE");
  await page.getByRole("button", { name: "Delete “Call the electrician”" }).click();
  await expect(list.getByText("Call the electrician")).toHaveCount(0);
  await deleted;

  // Still there after a reload, and in the API.
  await page.reload();
  await expect(list.getByTestId("task-item")).toHaveCount(2);
  await page.keyboard.press("n");
  await expect(page.getByLabel("Title", { exact: true })).toBeFocused();
  const titles = (await apiTasks(page, await tokenOf(page))).map((task) => task.title).sort();
  expect(titles).toEqual(["Buy milk", "File taxes"]);

  // Sign out: /tasks is closed again.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await page.goto("/tasks");
  await expect(page).toHaveURL(/\/sign-in/);
});

test("a wrong password and an unknown email get the same message", async ({ page }) => {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill("nobody-here@example.test");
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Wrong email or password.")).toBeVisible();
});

test("what was typed survives a trip to sign in when the session ends", async ({
  page,
  context,
}) => {
  const user = await signUpByApi(page);
  await page.goto("/tasks");
  await page.getByLabel("Title", { exact: true }).first().fill("Half-typed idea");
  // The session ends (signed out elsewhere, cookie gone): the next visit goes through sign-in.
  await context.clearCookies();
  await page.goto("/tasks");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Ftasks/);
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Password").fill(user.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/tasks$/);
  await expect(page.getByLabel("Title", { exact: true })).toHaveValue("Half-typed idea");
});
