import { API_URL, expect, signUpByApi, test, WEB_URL } from "./fixtures.ts";

// `next` comes from a link anyone can write; after signing in it must never lead off the site.
// Browsers drop tabs and line breaks inside a URL, so "/<tab>/host" is "//host" to them.
for (const next of ["//evil.test/tasks", "/\t/evil.test/tasks", "/\\evil.test/tasks"]) {
  test(`a signed-in visit to sign-in with next=${JSON.stringify(next)} stays on the site`, async ({
    page,
  }) => {
    const offSite: string[] = [];
    page.on("request", (request) => {
      const url = request.url();
      if (!url.startsWith(WEB_URL) && !url.startsWith(API_URL)) offSite.push(url);
    });
    await signUpByApi(page);
    await page.goto(`/sign-in?next=${encodeURIComponent(next)}`);
    await expect(page).toHaveURL(`${WEB_URL}/tasks`);
    expect(offSite).toEqual([]);
  });
}
