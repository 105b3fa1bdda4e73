import { addTask, axe, expect, signUpByApi, test, tokenOf, API_URL } from "./fixtures.ts";

test("the account page makes, copies and resets the calendar feed link", async ({ page }) => {
  await signUpByApi(page);
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.goto("/tasks");
  // Added on the board's Today view: due today, an all-day event.
  await addTask(page, "Water the plants");
  const token = await tokenOf(page);
  for (const data of [
    { title: "Dentist appointment", due_date: "2027-01-15", due_time: "09:30" },
    { title: "Undated errand" },
  ]) {
    const created = await page.request.post(`${API_URL}/api/tasks`, {
      headers: { authorization: `Bearer ${token}` },
      data,
    });
    expect(created.status()).toBe(201);
  }

  await page.goto("/account");
  const section = page.getByRole("region", { name: "Calendar feed" });
  await section.getByRole("button", { name: "Make a feed link" }).click();
  const field = section.getByRole("textbox", { name: "Calendar feed link" });
  await expect(field).toHaveValue(/\/feeds\/[A-Za-z0-9_-]{32}\.ics$/);
  const first = await field.inputValue();

  await section.getByRole("button", { name: "Copy link" }).click();
  await expect(section.getByText("Link copied")).toBeVisible();
  const copied = await page.evaluate(() =>
    (
      globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
    ).navigator.clipboard.readText(),
  );
  expect(copied).toBe(first);

  const feed = await page.request.get(first);
  expect(feed.status()).toBe(200);
  const text = await feed.text();
  expect(text).toContain("SUMMARY:Dentist appointment");
  expect(text).toContain("DTSTART:20270115T093000");
  expect(text).toMatch(/SUMMARY:Water the plants\r\nDTSTART;VALUE=DATE:\d{8}\r\n/);
  expect(text).not.toContain("Undated errand");

  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    expect(
      (await axe(page)).violations
        .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
        .map((violation) => violation.id),
      colorScheme,
    ).toEqual([]);
  }

  // Reset asks first, then the old link stops working at once.
  await section.getByRole("button", { name: "Reset link" }).click();
  await expect(section.getByText("Calendars subscribed to the current link")).toBeVisible();
  await section.getByRole("button", { name: "Reset link now" }).click();
  await expect(section.getByText("A new link is made: the old one no longer works.")).toBeVisible();
  const second = await field.inputValue();
  expect(second).not.toBe(first);
  expect((await page.request.get(first)).status()).toBe(404);
  expect((await page.request.get(second)).status()).toBe(200);

  // The link survives a reload, and "Turn off" ends it.
  await page.reload();
  await expect(field).toHaveValue(second);
  await section.getByRole("button", { name: "Turn off" }).click();
  await expect(section.getByRole("button", { name: "Make a feed link" })).toBeVisible();
  expect((await page.request.get(second)).status()).toBe(404);
});
