// CalDAV's read side with a real client: python3-caldav (Debian's) discovers the principal and
// the calendars from /.well-known/caldav with an app password and reads the tasks; raw requests
// check what it does not send.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ListSchema } from "@taskbridge/shared/list";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { basic, hasPythonCaldav, person as makePerson, PYTHON } from "./support/dav.ts";
import { listen } from "./support/http.ts";

const database = await useTestDatabase();
let t: TestApp;
let origin: string;

beforeAll(async () => {
  t = await buildTestApp({ databaseUrl: database.url, mode: "hs256" });
  origin = await listen(t.app);
});
afterAll(() => t.close());

const hasCaldav = hasPythonCaldav;
if (!hasCaldav)
  console.warn(
    "SKIPPED: the python3-caldav client tests need python3-caldav and python3-icalendar",
  );

const person = () => makePerson(t, origin);

describe("CalDAV, read side", () => {
  it.skipIf(!hasCaldav)(
    "python3-caldav discovers the calendars from /.well-known/caldav and reads every task",
    async () => {
      const ada = await person();
      const groceries = (
        await ada.api.expect(201, ListSchema, "POST", "/api/lists", { name: "Groceries" })
      ).data;
      await ada.api.create({ title: "Inbox task", due_date: "2027-01-15", due_time: "09:30" });
      const milk = await ada.api.create({ title: "Milk", list_id: groceries.id, priority: "high" });
      await ada.api.create({ title: "Oat milk", parent_id: milk.id });
      const done = await ada.api.create({ title: "Bread", list_id: groceries.id });
      await ada.api.update(done.id, { completed: true });

      const script = `
import json, sys, caldav, icalendar
client = caldav.DAVClient(url=sys.argv[1] + "/.well-known/caldav", username=sys.argv[2], password=sys.argv[3])
principal = client.principal()
calendars = principal.calendars()
out = {}
for calendar in calendars:
    todos = calendar.todos(include_completed=True)
    items = []
    for todo in todos:
        component = icalendar.Calendar.from_ical(todo.data).walk("VTODO")[0]
        items.append({
            "summary": str(component["SUMMARY"]),
            "status": str(component["STATUS"]),
            "priority": int(component["PRIORITY"]),
            "due": component.decoded("DUE").isoformat() if "DUE" in component else None,
            "parent": str(component["RELATED-TO"]) if "RELATED-TO" in component else None,
        })
    out[calendar.name] = sorted(items, key=lambda item: item["summary"])
print(json.dumps(out))
`;
      const { stdout } = await promisify(execFile)(PYTHON, [
        "-c",
        script,
        origin,
        ada.email.toUpperCase(),
        ada.password,
      ]);
      const calendars = JSON.parse(stdout) as Record<string, unknown[]>;
      expect(Object.keys(calendars).sort()).toEqual(["Groceries", "Inbox"]);
      expect(calendars.Inbox).toEqual([
        {
          summary: "Inbox task",
          status: "NEEDS-ACTION",
          priority: 5,
          due: "2027-01-15T09:30:00+00:00",
          parent: null,
        },
      ]);
      expect(calendars.Groceries).toEqual([
        { summary: "Bread", status: "COMPLETED", priority: 5, due: null, parent: null },
        { summary: "Milk", status: "NEEDS-ACTION", priority: 1, due: null, parent: null },
        { summary: "Oat milk", status: "NEEDS-ACTION", priority: 5, due: null, parent: milk.id },
      ]);
    },
  );

  it("asks for Basic credentials, and refuses a wrong password or another account's email", async () => {
    const [ada, ben] = [await person(), await person()];
    const unauthenticated = await fetch(`${origin}/dav/`, { method: "PROPFIND" });
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get("www-authenticate")).toBe('Basic realm="Taskbridge"');
    for (const authorization of [
      basic(ada, `${ada.password}x`),
      basic({ ...ben, password: ada.password }),
    ]) {
      const answer = await fetch(`${origin}/dav/`, {
        method: "PROPFIND",
        headers: { authorization },
      });
      expect(answer.status).toBe(401);
    }
    const well = await fetch(`${origin}/.well-known/caldav`, { redirect: "manual" });
    expect(well.status).toBe(301);
    expect(well.headers.get("location")).toBe("/dav/");
  });

  it("answers OPTIONS with calendar-access, an empty PROPFIND with the principal, and 404 for another's home", async () => {
    const [ada, ben] = [await person(), await person()];
    const options = await fetch(`${origin}/dav/principals/${ada.id}/`, { method: "OPTIONS" });
    expect(options.headers.get("dav")).toContain("calendar-access");

    const root = await fetch(`${origin}/dav/`, {
      method: "PROPFIND",
      headers: { authorization: basic(ada), depth: "0" },
    });
    expect(root.status).toBe(207);
    const text = await root.text();
    expect(text).toContain(`<d:href>/dav/principals/${ada.id}/</d:href>`);
    expect(text).not.toContain(ada.email);

    const body =
      '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:x="urn:example"><d:prop><d:displayname/><x:unknown/></d:prop></d:propfind>';
    const other = await fetch(`${origin}/dav/calendars/${ben.id}/`, {
      method: "PROPFIND",
      headers: { authorization: basic(ada), depth: "1", "content-type": "application/xml" },
      body,
    });
    expect(other.status).toBe(404);
    const mine = await fetch(`${origin}/dav/calendars/${ada.id}/`, {
      method: "PROPFIND",
      headers: { authorization: basic(ada), depth: "1", "content-type": "application/xml" },
      body,
    });
    expect(mine.status).toBe(207);
    const answer = await mine.text();
    expect(answer).toContain("<d:displayname>Inbox</d:displayname>");
    expect(answer).toContain("HTTP/1.1 404 Not Found");

    const broken = await fetch(`${origin}/dav/`, {
      method: "PROPFIND",
      headers: { authorization: basic(ada), "content-type": "application/xml" },
      body: "<d:propfind xmlns:d=",
    });
    expect(broken.status).toBe(400);
  });
});
