import { API_URL, axe, expect, signUpByApi, test } from "./fixtures.ts";

test("the account page makes an app password, shows it once, and revokes it", async ({ page }) => {
  await signUpByApi(page);
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.goto("/account");
  const section = page.getByRole("region", { name: "App passwords" });
  await expect(section.getByText("No app passwords yet.")).toBeVisible();

  await section.getByRole("button", { name: "Create" }).click();
  await expect(section.getByText("Name it after the app or device")).toBeVisible();
  await section.getByRole("textbox", { name: "App or device" }).fill("Reporting script");
  await section.getByRole("combobox", { name: "Access" }).selectOption("Read only");
  await section.getByRole("button", { name: "Create" }).click();
  const shown = section.getByRole("textbox", { name: "The password of Reporting script" });
  await expect(shown).toHaveValue(/^tb_[A-Za-z0-9_-]{32}$/);
  const password = await shown.inputValue();
  await section.getByRole("button", { name: "Copy" }).click();
  await expect(section.getByText("Password copied")).toBeVisible();
  expect(
    await page.evaluate(() =>
      (
        globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
      ).navigator.clipboard.readText(),
    ),
  ).toBe(password);
  const entry = section.getByRole("listitem", { name: "Reporting script" });
  await expect(entry).toContainText("Read only");
  await expect(entry).toContainText("never used");

  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    expect(
      (await axe(page)).violations
        .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
        .map((violation) => violation.id),
      colorScheme,
    ).toEqual([]);
  }

  // The password signs in on the API, for reading only.
  const headers = { authorization: `Bearer ${password}` };
  expect((await page.request.get(`${API_URL}/api/tasks`, { headers })).status()).toBe(200);
  const write = await page.request.post(`${API_URL}/api/tasks`, {
    headers,
    data: { title: "Not from a read-only password" },
  });
  expect(write.status()).toBe(403);

  // Shown once: after a reload only its name, access and last use remain.
  await page.reload();
  await expect(section.getByRole("textbox", { name: /The password of/ })).toHaveCount(0);
  await expect(entry).toContainText("last used");

  await entry.getByRole("button", { name: "Revoke Reporting script" }).click();
  await expect(section.getByText("“Reporting script” is revoked")).toBeVisible();
  await expect(entry).toHaveCount(0);
  expect((await page.request.get(`${API_URL}/api/tasks`, { headers })).status()).toBe(401);
});
