// A phone's tasks app and the board on one account: python3-caldav (a CalDAV client, as DAVx⁵
// or Apple Reminders would be) signs in with an app password made on the account page; a task it
// makes appears on the open board without a reload, and a task ticked on the board is completed
// in the client.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { API_URL, expect, signUpByApi, test } from "./fixtures.ts";

const PYTHON = "/usr/bin/python3";
const hasCaldav =
  existsSync(PYTHON) &&
  (await promisify(execFile)(PYTHON, ["-c", "import caldav"]).then(
    () => true,
    () => false,
  ));

const client = (body: string) => `
import sys, caldav
client = caldav.DAVClient(url=sys.argv[1] + "/.well-known/caldav", username=sys.argv[2], password=sys.argv[3])
inbox = [c for c in client.principal().calendars() if c.name == "Inbox"][0]
${body}
`;

async function python(script: string, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(PYTHON, ["-c", script, ...args], {
    timeout: 30_000,
  });
  return stdout.trim();
}

test.skip(!hasCaldav, "needs Debian's python3-caldav");

test("a task made in a CalDAV client shows on the open board, and one ticked there is completed in the client", async ({
  page,
}) => {
  const user = await signUpByApi(page);
  await page.goto("/account");
  const section = page.getByRole("region", { name: "App passwords" });
  await section.getByRole("button", { name: "Create" }).click();
  await section.getByRole("textbox", { name: "App or device" }).fill("Phone");
  await section.getByRole("combobox", { name: "Access" }).selectOption("Read and write");
  await section.getByRole("button", { name: "Create" }).click();
  const password = await section
    .getByRole("textbox", { name: "The password of Phone" })
    .inputValue();
  expect(password).toMatch(/^tb_/);

  await page.goto("/tasks?view=all");
  await expect(page.getByRole("heading", { name: "All", level: 1 })).toBeVisible();
  const made = client(`
inbox.save_todo("""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Example//phone//EN
BEGIN:VTODO
UID:from-the-phone-1
DTSTAMP:20261201T100000Z
SUMMARY:Bought on the way home
PRIORITY:1
END:VTODO
END:VCALENDAR
""")
print("made")`);
  expect(await python(made, API_URL, user.email, password)).toBe("made");

  // No reload: the board hears of it through its event stream.
  const task = page.getByRole("checkbox", { name: "Bought on the way home" });
  await expect(task).toBeVisible();
  await task.click();
  await expect(task).toBeChecked();

  const status = client(`
import icalendar
todo = inbox.todo_by_uid("from-the-phone-1")
print(icalendar.Calendar.from_ical(todo.data).walk("VTODO")[0]["STATUS"])`);
  await expect
    .poll(() => python(status, API_URL, user.email, password), { timeout: 10_000 })
    .toBe("COMPLETED");
});
