import type { Page } from "@playwright/test";
import {
  API_URL,
  addTask,
  apiTasks,
  axe,
  COLOUR_RULES,
  createTasks,
  expect,
  signUpByApi,
  test,
  tokenOf,
} from "./fixtures.ts";

/** The browser's own calendar date, `days` from today, as `YYYY-MM-DD`. */
async function browserDate(page: Page, days = 0): Promise<string> {
  return page.evaluate((offset) => {
    const date = new Date();
    date.setDate(date.getDate() + offset);
    const pad = (value: number) => String(value).padStart(2, "0");
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  }, days);
}

/** Signs a user up with tasks due around the browser's today, then opens the board. */
async function boardWithTasks(page: Page) {
  await signUpByApi(page);
  const token = await tokenOf(page);
  const [yesterday, today, tomorrow, later] = await Promise.all([
    browserDate(page, -1),
    browserDate(page, 0),
    browserDate(page, 1),
    browserDate(page, 3),
  ]);
  await createTasks(page, token, [
    { title: "Late report", due_date: yesterday },
    { title: "Due this day", due_date: today },
    { title: "Tomorrow's call", due_date: tomorrow },
    { title: "Later plan", due_date: later },
    { title: "Someday idea" },
    { title: "Old chore", due_date: yesterday, completed: true },
  ]);
  await page.goto("/tasks");
  return { token, yesterday, today, tomorrow };
}

const views = (page: Page) => page.getByRole("navigation", { name: "Views" });

test.describe("views", () => {
  test("each view shows its tasks and its count, and lives in the URL", async ({ page }) => {
    await boardWithTasks(page);
    const nav = views(page);
    await expect(nav.getByRole("link", { name: "Today 2" })).toHaveAttribute(
      "aria-current",
      "page",
    );
    await expect(nav.getByRole("link", { name: "Upcoming 2" })).toBeVisible();
    await expect(nav.getByRole("link", { name: "All 6" })).toBeVisible();
    await expect(nav.getByRole("link", { name: "Completed 1" })).toBeVisible();

    // Today: overdue first, under its own heading; the task due today is not overdue.
    const overdue = page.getByRole("list", { name: /^Overdue/ });
    const dueToday = page.getByRole("list", { name: /^Due today/ });
    await expect(overdue.getByTestId("task-item")).toHaveText([/Late report.*Overdue/]);
    await expect(dueToday.getByTestId("task-item")).toHaveCount(1);
    await expect(dueToday.getByText("Overdue")).toHaveCount(0);

    await nav.getByRole("link", { name: /^Upcoming/ }).click();
    await expect(page).toHaveURL(/view=upcoming/);
    await expect(page.getByRole("heading", { name: /^Tomorrow/ })).toBeVisible();
    await expect(page.getByRole("list", { name: /^Tomorrow/ })).toContainText("Tomorrow's call");
    await page.reload();
    await expect(page.getByRole("heading", { name: "Upcoming", level: 1 })).toBeVisible();

    await nav.getByRole("link", { name: /^Completed/ }).click();
    await expect(
      page.getByRole("list", { name: "Your tasks" }).getByTestId("task-item"),
    ).toHaveText([/Old chore/]);
    await page.goBack();
    await expect(page).toHaveURL(/view=upcoming/);

    // All keeps the filters, in the URL too; tags match in any case.
    await nav.getByRole("link", { name: /^All/ }).click();
    await expect(
      page.getByRole("list", { name: "Your tasks" }).getByTestId("task-item"),
    ).toHaveCount(6);
    await page.getByLabel("Search (press /)").fill("plan");
    await expect(page).toHaveURL(/q=plan/);
    await expect(
      page.getByRole("list", { name: "Your tasks" }).getByTestId("task-item"),
    ).toHaveText([/Later plan/]);
  });

  test("ticking a task moves it between views and counts without a reload", async ({ page }) => {
    await boardWithTasks(page);
    await page.getByRole("checkbox", { name: "Late report" }).click();
    await expect(views(page).getByRole("link", { name: "Today 1" })).toBeVisible();
    await expect(views(page).getByRole("link", { name: "Completed 2" })).toBeVisible();
    await expect(page.getByRole("list", { name: /^Overdue/ })).toHaveCount(0);
  });
});

for (const [zone, label] of [
  ["Pacific/Kiritimati", "UTC+14"],
  ["Pacific/Honolulu", "UTC−10"],
] as const) {
  test.describe(`in a ${label} browser`, () => {
    test.use({ timezoneId: zone });
    test("a task due today is never overdue; one due yesterday is", async ({ page }) => {
      const { today } = await boardWithTasks(page);
      const requests: string[] = [];
      page.on("request", (request) => requests.push(request.url()));
      await page.reload();
      const dueToday = page.getByTestId("task-item").filter({ hasText: "Due this day" });
      await expect(dueToday).toContainText("Today");
      await expect(dueToday).not.toContainText("Overdue");
      await expect(page.getByTestId("task-item").filter({ hasText: "Late report" })).toContainText(
        "Overdue",
      );
      await expect(views(page).getByRole("link", { name: "Today 2" })).toBeVisible();
      // The counts and the list are asked for the browser's own date.
      expect(requests.some((url) => url.includes(`/api/tasks/stats?today=${today}`))).toBe(true);
    });
  });
}

test.describe("quick add", () => {
  test("reads the spec's example into fields, shown as chips before saving", async ({ page }) => {
    await signUpByApi(page);
    await page.goto("/tasks?view=all");
    const title = page.getByLabel("Title", { exact: true });
    await title.fill("Pay rent tomorrow 9am #home !high");
    const understood = page.getByRole("list", { name: "Understood" });
    await expect(understood.getByRole("button", { name: /^Remove Tomorrow 9:00/ })).toBeVisible();
    await expect(understood.getByRole("button", { name: "Remove #home" })).toBeVisible();
    await expect(understood.getByRole("button", { name: "Remove High priority" })).toBeVisible();
    await title.press("Enter");
    const item = page.getByTestId("task-item").filter({ hasText: "Pay rent" });
    await expect(item).toHaveAttribute("aria-busy", "false");
    await expect(item).toContainText("Tomorrow");
    await expect(item).toContainText("#home");
    await expect(title).toHaveValue("");
    const tomorrow = await browserDate(page, 1);
    const [task] = await apiTasks(page, await tokenOf(page));
    expect(task).toMatchObject({
      title: "Pay rent",
      due_date: tomorrow,
      due_time: "09:00",
      tags: ["home"],
      priority: "high",
    });
  });

  test("a removed chip leaves its words in the title; plain text stays verbatim", async ({
    page,
  }) => {
    await signUpByApi(page);
    await page.goto("/tasks?view=all");
    const title = page.getByLabel("Title", { exact: true });
    await title.fill("Water plants every monday #garden");
    await expect(page.getByRole("button", { name: "Remove Every Monday" })).toBeVisible();
    await page.getByRole("button", { name: "Remove #garden" }).click();
    await title.press("Enter");
    await addTask(page, "Read chapter 4 of Dune");
    const tasks = await apiTasks(page, await tokenOf(page));
    expect(
      tasks
        .map(({ title: t, tags, recurrence }) => ({ t, tags, recurrence }))
        .sort((a, b) => a.t.localeCompare(b.t)),
    ).toEqual([
      { t: "Read chapter 4 of Dune", tags: [], recurrence: null },
      { t: "Water plants #garden", tags: [], recurrence: "FREQ=WEEKLY;BYDAY=MO" },
    ]);
  });
});

test.describe("undo, edit and the keyboard", () => {
  test("undo brings back the same task; without undo it is deleted when the toast ends", async ({
    page,
  }) => {
    await signUpByApi(page);
    const token = await tokenOf(page);
    const [kept] = await createTasks(page, token, [{ title: "Keep me" }, { title: "Drop me" }]);
    await page.goto("/tasks?view=all");
    const deletes: string[] = [];
    page.on("request", (request) => {
      if (request.method() === "DELETE") deletes.push(request.url());
    });

    await page.getByRole("button", { name: "Delete “Keep me”" }).click();
    await expect(page.getByTestId("task-item").filter({ hasText: "Keep me" })).toHaveCount(0);
    const toast = page.getByRole("listitem").filter({ hasText: "Deleted “Keep me”" });
    await expect(toast).toBeVisible();
    await expect(toast).not.toHaveAttribute("data-type", "success");
    await toast.getByRole("button", { name: "Undo" }).click();
    await expect(page.getByTestId("task-item").filter({ hasText: "Keep me" })).toBeVisible();

    const gone = page.waitForResponse(
      (response) => response.request().method() === "DELETE" && response.status() === 204,
    );
    await page.getByRole("button", { name: "Delete “Drop me”" }).click();
    await gone;
    const left = await apiTasks(page, token);
    expect(left).toEqual([expect.objectContaining({ id: kept?.id, created_at: kept?.created_at })]);
    expect(deletes).toHaveLength(1);
  });

  test("the edit dialog has Cancel and closes on its backdrop, changing nothing", async ({
    page,
  }) => {
    await signUpByApi(page);
    await page.goto("/tasks?view=all");
    await addTask(page, "Unchanged");
    await page.getByRole("button", { name: "Edit “Unchanged”" }).click();
    const dialog = page.getByRole("dialog", { name: "Edit task" });
    await dialog.getByLabel("Title", { exact: true }).fill("Changed");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole("button", { name: "Edit “Unchanged”" })).toBeFocused();
    await page.getByRole("button", { name: "Edit “Unchanged”" }).click();
    await page.mouse.click(5, 5);
    await expect(dialog).toBeHidden();
    expect((await apiTasks(page, await tokenOf(page))).map((t) => t.title)).toEqual(["Unchanged"]);
  });

  test("a keyboard alone adds, moves, completes, edits, deletes and undoes", async ({ page }) => {
    await signUpByApi(page);
    await page.goto("/tasks?view=all");
    const title = page.getByLabel("Title", { exact: true });
    // Shortcuts listen from hydration on, a moment after the page has loaded: a key pressed before
    // then does nothing, and a person presses it again.
    await expect(async () => {
      await page.locator("body").press("n");
      await expect(title).toBeFocused({ timeout: 1000 });
    }).toPass();
    for (const name of ["First", "Second", "Third"]) {
      await page.keyboard.type(name);
      await page.keyboard.press("Enter");
      await expect(page.getByTestId("task-item").filter({ hasText: name })).toHaveAttribute(
        "aria-busy",
        "false",
      );
    }
    await page.keyboard.press("Escape");
    await title.blur();
    const row = (name: string) => page.getByTestId("task-item").filter({ hasText: name });
    await page.keyboard.press("j");
    await expect(row("Third")).toBeFocused();
    await page.keyboard.press("j");
    await expect(row("Second")).toBeFocused();
    await page.keyboard.press("x");
    await expect(page.getByRole("checkbox", { name: "Second" })).toBeChecked();
    await expect(row("Second")).toBeFocused();

    await page.keyboard.press("e");
    const dialog = page.getByRole("dialog", { name: "Edit task" });
    await expect(dialog.getByLabel("Title", { exact: true })).toBeFocused();
    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();

    await page.keyboard.press("k");
    await expect(row("Third")).toBeFocused();
    await page.keyboard.press("Delete");
    await expect(row("Third")).toHaveCount(0);
    // Focus goes to the task now in its place, not to the page.
    await expect(row("Second")).toBeFocused();
    await page.keyboard.press("z");
    await expect(row("Third")).toBeVisible();

    await page.keyboard.press("?");
    const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
    await expect(help.getByRole("cell", { name: "Undo the last delete" })).toBeVisible();
    await page.keyboard.press("Escape");
    await page.keyboard.press("/");
    await expect(page.getByLabel("Search (press /)")).toBeFocused();
  });
});

test("300 tasks, 30 ticks: one request each, never a 429", async ({ page }) => {
  test.setTimeout(240_000);
  await signUpByApi(page);
  const token = await tokenOf(page);
  await createTasks(
    page,
    token,
    Array.from({ length: 300 }, (_, index) => ({
      title: `Task ${String(index).padStart(3, "0")}`,
    })),
  );
  const statuses: number[] = [];
  const requests: string[] = [];
  // The e2e stack's tokens last 5 s, so the event stream ends and reopens every few seconds, and
  // a reopened stream rightly refetches the list and the counts once (changes may have been
  // missed while it was closed), whenever the page gets to it. So the reads are counted over the
  // whole run, against what the ticks and the reopenings may each cause, rather than per tick
  // within a time window.
  let counting = false;
  let reopened = 0;
  const isStream = (url: string) => url === `${API_URL}/api/events`;
  page.on("request", (request) => {
    if (!counting || !request.url().startsWith(API_URL)) return;
    if (isStream(request.url())) reopened += 1;
    else requests.push(`${request.method()} ${new URL(request.url()).pathname}`);
  });
  page.on("response", (response) => {
    if (response.url().startsWith(API_URL)) statuses.push(response.status());
  });
  await page.goto("/tasks?view=all");
  await expect(views(page).getByRole("link", { name: "All 300" })).toBeVisible();
  counting = true;
  const list = page.getByRole("list", { name: "Your tasks" });
  const ticks = 30;
  for (let tick = 0; tick < ticks; tick += 1) {
    const box = list.getByRole("checkbox").nth(tick);
    const answered = page.waitForResponse((response) => response.url().endsWith("/complete"));
    await box.click();
    await answered;
    await expect(box).toBeChecked();
  }
  await expect(views(page).getByRole("link", { name: "Completed 30" })).toBeVisible();
  expect(statuses.filter((status) => status === 429)).toEqual([]);
  // Each tick is its PATCH alone: the list and the counts move in the cache. Reads come only
  // from reopened streams (and the one opened just before counting began): one of the list and
  // one of the counts each.
  const writes = requests.filter((line) => !line.startsWith("GET "));
  const reads = requests.filter((line) => line.startsWith("GET "));
  expect(writes, requests.join(", ")).toHaveLength(ticks);
  expect(reads.length, requests.join(", ")).toBeLessThanOrEqual(2 * (reopened + 1));
});

test.describe("looks", () => {
  const contrast = (a: number[], b: number[]) => {
    const luminance = ([r = 0, g = 0, bl = 0]: number[]) => {
      const [lr, lg, lb] = [r, g, bl].map((v) => {
        const c = v / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * (lr ?? 0) + 0.7152 * (lg ?? 0) + 0.0722 * (lb ?? 0);
    };
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return ((hi ?? 0) + 0.05) / ((lo ?? 0) + 0.05);
  };
  /** A computed colour as [r, g, b], read in the page (a canvas turns any CSS colour into sRGB). */
  const rgb = async (page: Page, selector: string, property: string): Promise<number[]> => {
    const value: unknown = await page.evaluate(`(() => {
      const element = document.querySelector(${JSON.stringify(selector)});
      const probe = document.createElement("canvas").getContext("2d");
      probe.fillStyle = getComputedStyle(element).getPropertyValue(${JSON.stringify(property)});
      probe.fillRect(0, 0, 1, 1);
      return [...probe.getImageData(0, 0, 1, 1).data.slice(0, 3)];
    })()`);
    return Array.isArray(value) ? value.map(Number) : [];
  };

  test("red shows for overdue and invalid; field borders reach 3:1; errors clear when fixed", async ({
    page,
  }) => {
    await boardWithTasks(page);
    await expect(page.getByRole("heading", { name: /^Overdue/ })).toBeVisible();
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const [r = 0, g = 0] = await rgb(page, "section h2", "color");
      expect(r - g, `overdue heading is red in ${scheme}`).toBeGreaterThan(80);
      const border = await rgb(page, "input[name=title]", "border-top-color");
      const background = await rgb(page, "body", "background-color");
      expect(contrast(border, background), `field border in ${scheme}`).toBeGreaterThanOrEqual(3);
    }
    await page.emulateMedia({ colorScheme: "light" });
    await page.getByRole("button", { name: "Add task" }).click();
    const title = page.getByLabel("Title", { exact: true });
    await expect(title).toBeFocused();
    await expect(page.getByText("Give the task a title.")).toBeVisible();
    const [r = 0, g = 0] = await rgb(page, "input[name=title]", "border-top-color");
    expect(r - g).toBeGreaterThan(80);
    await title.fill("Fixed");
    await expect(page.getByText("Give the task a title.")).toHaveCount(0);
  });

  test("a phone gets 44 px targets and no keyboard hints", async ({ browser }) => {
    const context = await browser.newContext({
      viewport: { width: 360, height: 780 },
      hasTouch: true,
      isMobile: true,
    });
    const page = await context.newPage();
    try {
      await signUpByApi(page);
      await page.goto("/tasks?view=all");
      await addTask(page, "Tap me");
      await expect(page.getByRole("searchbox", { name: "Search", exact: true })).toBeVisible();
      await expect(page.getByText("(press /)")).toBeHidden();
      await expect(page.getByRole("button", { name: "Keyboard shortcuts" })).toBeHidden();
      for (const target of [
        page.getByRole("checkbox", { name: "Tap me" }).locator(".."),
        page.getByRole("button", { name: "Edit “Tap me”" }),
        page.getByRole("button", { name: "Delete “Tap me”" }),
        views(page).getByRole("link", { name: /^Today/ }),
      ]) {
        const box = await target.boundingBox();
        expect(box?.height ?? 0).toBeGreaterThanOrEqual(44);
      }
      const scrollWidth: unknown = await page.evaluate("document.documentElement.scrollWidth");
      expect(Number(scrollWidth)).toBeLessThanOrEqual(360);
    } finally {
      await context.close();
    }
  });

  // One test per width, so that two workers share the sweep. Each page is audited in full in
  // light, then, without reloading, for what a scheme can change (colours) in dark.
  for (const width of [360, 1280]) {
    test(`axe finds nothing on any view, light and dark, at ${width} px`, async ({ page }) => {
      test.setTimeout(120_000);
      await page.setViewportSize({ width, height: 900 });
      await boardWithTasks(page);
      const boards = ["today", "upcoming", "all", "completed"].map((view) => `/tasks?view=${view}`);
      for (const path of [...boards, "/account"]) {
        await page.emulateMedia({ colorScheme: "light" });
        await page.goto(path);
        if (path !== "/account") await expect(page.getByTestId("task-item").first()).toBeVisible();
        for (const scheme of ["light", "dark"] as const) {
          await page.emulateMedia({ colorScheme: scheme });
          const { violations } = await axe(page, scheme === "dark" ? { only: COLOUR_RULES } : {});
          expect(
            violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`),
            `${path} ${scheme} ${width}`,
          ).toEqual([]);
        }
      }
    });
  }

  test("the account page names its name field once", async ({ page }) => {
    await signUpByApi(page);
    await page.goto("/account");
    await expect(page.getByText("Name", { exact: true })).toHaveCount(1);
  });
});
