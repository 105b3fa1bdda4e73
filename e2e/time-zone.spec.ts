import type { Page } from "@playwright/test";
import { API_URL, axe, COLOUR_RULES, expect, signUpByApi, test, tokenOf } from "./fixtures.ts";

// A browser in India: the account page's first visit saves its zone as the person's time zone.
test.use({ timezoneId: "Asia/Kolkata" });

async function settingsOf(token: string, page: Page) {
  const answer = await page.request.get(`${API_URL}/api/me/settings`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(answer.status()).toBe(200);
  return (await answer.json()) as { time_zone: string; time_zone_set: boolean };
}

test("the time zone is filled from the browser on the first visit, and chosen after", async ({
  page,
}) => {
  await signUpByApi(page);
  const token = await tokenOf(page);
  expect(await settingsOf(token, page)).toEqual({ time_zone: "UTC", time_zone_set: false });

  await page.goto("/account");
  const section = page.getByRole("region", { name: "Time zone" });
  const select = section.getByRole("combobox", { name: "Time zone" });
  // Chromium names it Asia/Calcutta, as ICU still does; it is kept by its current name.
  await expect(select).toHaveValue("Asia/Kolkata");
  await expect(section.getByRole("status")).toHaveText(
    "Time zone set from this browser: Asia/Kolkata",
  );
  await expect
    .poll(() => settingsOf(token, page))
    .toEqual({ time_zone: "Asia/Kolkata", time_zone_set: true });

  const audit = await axe(page);
  expect(
    audit.violations
      .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
      .map((violation) => violation.id),
  ).toEqual([]);
  await page.emulateMedia({ colorScheme: "dark" });
  expect((await axe(page, { only: COLOUR_RULES })).violations).toEqual([]);

  await select.selectOption("America/New_York");
  await expect(section.getByRole("status")).toHaveText("Time zone saved: America/New York");
  await expect
    .poll(() => settingsOf(token, page))
    .toEqual({ time_zone: "America/New_York", time_zone_set: true });

  // Chosen, the setting is never filled in from the browser again.
  await page.reload();
  await expect(select).toHaveValue("America/New_York");
  await expect(section.getByRole("status")).toHaveText("");
  expect(await settingsOf(token, page)).toEqual({
    time_zone: "America/New_York",
    time_zone_set: true,
  });
});
