import { addTask, expect, signUpByApi, test } from "./fixtures.ts";

test("two users in two browsers never see each other's tasks", async ({ browser }) => {
  const alice = await browser.newContext();
  const bob = await browser.newContext();
  try {
    const alicePage = await alice.newPage();
    const bobPage = await bob.newPage();
    await signUpByApi(alicePage);
    await signUpByApi(bobPage);
    await alicePage.goto("/tasks");
    await bobPage.goto("/tasks");
    await addTask(alicePage, "Alice's private plan");
    await addTask(bobPage, "Bob's private plan");
    await bobPage.reload();
    await alicePage.reload();
    await expect(alicePage.getByText("Alice's private plan")).toBeVisible();
    await expect(alicePage.getByText("Bob's private plan")).toHaveCount(0);
    await expect(bobPage.getByText("Bob's private plan")).toBeVisible();
    await expect(bobPage.getByText("Alice's private plan")).toHaveCount(0);
  } finally {
    await alice.close();
    await bob.close();
  }
});

test("a change in one tab appears in another without a reload", async ({ browser }) => {
  const context = await browser.newContext();
  try {
    const first = await context.newPage();
    await signUpByApi(first);
    await first.goto("/tasks");
    const second = await context.newPage();
    await second.goto("/tasks");
    await expect(second.getByText("No tasks yet")).toBeVisible();
    await addTask(first, "Made in the first tab");
    await expect(second.getByText("Made in the first tab")).toBeVisible({ timeout: 15_000 });
  } finally {
    await context.close();
  }
});
