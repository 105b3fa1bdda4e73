import { CHROMIUM_ARGS, FULL_CHROMIUM } from "../playwright.config.ts";
import { createTasks, expect, signUpByApi, test, tokenOf } from "./fixtures.ts";

// The rest of the suite runs in Chromium's headless shell, which shows no notifications: this
// file runs in full Chromium.
test.use({ launchOptions: { executablePath: FULL_CHROMIUM, args: CHROMIUM_ARGS } });

test("a reminder arrives as a toast and, when allowed, a browser notification", async ({
  page,
  context,
}) => {
  await context.grantPermissions(["notifications"]);
  // Counts the notifications the page shows, without needing a desktop to show them on.
  await page.addInitScript({
    content: `
      const Native = window.Notification;
      class Counted extends Native {
        constructor(title, options) {
          super(title, options);
          document.documentElement.dataset.notified = title + ": " + (options?.body ?? "");
        }
      }
      Object.defineProperty(window, "Notification", { value: Counted });
    `,
  });
  await signUpByApi(page);
  await page.goto("/tasks");
  const token = await tokenOf(page);
  await expect(page.getByText("No tasks yet")).toBeVisible();
  await createTasks(page, token, [
    { title: "Stretch your legs", remind_at: new Date(Date.now() + 3000).toISOString() },
  ]);
  await expect(page.getByText("Reminder: Stretch your legs")).toBeVisible({ timeout: 20_000 });
  await expect(page.locator("html")).toHaveAttribute(
    "data-notified",
    "Taskbridge reminder: Stretch your legs",
  );
});
