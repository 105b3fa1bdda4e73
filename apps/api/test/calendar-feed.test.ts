// The calendar feed over real HTTP, on a real database, with real signed tokens; the iCalendar
// it serves is read by Python's `icalendar` (Debian's python3-icalendar), as a calendar app would.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ListSchema, type List } from "@taskbridge/shared/list";
import type { TaskCreate } from "@taskbridge/shared/task";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { ApiClient, listen } from "./support/http.ts";

const database = await useTestDatabase();
const lines: string[] = [];
let t: TestApp;
let origin: string;

beforeAll(async () => {
  t = await buildTestApp({
    databaseUrl: database.url,
    mode: "hs256",
    logStream: { write: (line) => void lines.push(line) },
  });
  origin = await listen(t.app);
});
afterAll(() => t.close());

interface Person {
  id: string;
  api: ApiClient;
}

async function person(): Promise<Person> {
  const id = await t.createUser();
  const token = await t.tokenFor(id);
  return { id, api: new ApiClient(origin, () => token) };
}

const LinkSchema = z.object({ url: z.string().nullable() });

async function makeFeed(who: Person): Promise<string> {
  const { url } = (await who.api.expect(200, LinkSchema, "POST", "/api/calendar-feed")).data;
  if (url === null) throw new Error("no feed link");
  return url;
}

async function createList(owner: Person, name: string): Promise<List> {
  return (await owner.api.expect(201, ListSchema, "POST", "/api/lists", { name, color: "green" }))
    .data;
}

const PYTHON = "/usr/bin/python3";
const hasIcalendar =
  existsSync(PYTHON) &&
  (await promisify(execFile)(PYTHON, ["-c", "import icalendar"]).then(
    () => true,
    () => false,
  ));
if (!hasIcalendar)
  console.warn("SKIPPED: reading the feed with Python's icalendar needs python3-icalendar");

const EventsSchema = z.array(
  z.object({
    uid: z.string(),
    summary: z.string(),
    start: z.string(),
    end: z.string().nullable(),
    duration: z.string().nullable(),
    description: z.string().nullable(),
    categories: z.array(z.string()),
  }),
);

/** The feed's events as Python's icalendar reads them. */
async function readWithIcalendar(text: string) {
  const script = `
import json, sys, icalendar
calendar = icalendar.Calendar.from_ical(sys.stdin.read())
events = []
for event in calendar.walk("VEVENT"):
    categories = event.get("CATEGORIES")
    names = [str(c) for c in categories.cats] if categories is not None else []
    end = event.get("DTEND")
    duration = event.get("DURATION")
    events.append({
        "uid": str(event["UID"]),
        "summary": str(event["SUMMARY"]),
        "start": event.decoded("DTSTART").isoformat(),
        "end": end.dt.isoformat() if end is not None else None,
        "duration": str(duration.dt) if duration is not None else None,
        "description": str(event["DESCRIPTION"]) if "DESCRIPTION" in event else None,
        "categories": names,
    })
print(json.dumps(events))
`;
  const child = promisify(execFile)(PYTHON, ["-c", script]);
  child.child.stdin?.end(text);
  const { stdout } = await child;
  return EventsSchema.parse(JSON.parse(stdout));
}

describe("the calendar feed", () => {
  it.skipIf(!hasIcalendar)(
    "shows each pending dated task once, all day or at its time for 30 minutes",
    async () => {
      const [ada, ben] = [await person(), await person()];
      const make = (who: Person, body: TaskCreate) => who.api.create(body);
      await make(ada, {
        title: "Dentist",
        due_date: "2027-01-15",
        due_time: "09:30",
        description: "Bring the card",
        tags: ["health"],
      });
      await make(ada, { title: "Pay rent", due_date: "2027-02-01", recurrence: "FREQ=MONTHLY" });
      await make(ada, { title: "Someday" });
      const done = await make(ada, { title: "Done already", due_date: "2027-01-10" });
      await ada.api.update(done.id, { completed: true });
      // A list shared with Ada: its dated tasks are hers to see, unless assigned to Ben.
      const shared = await createList(ben, "Family");
      const invite = await ben.api.expect(
        201,
        z.object({ token: z.string() }),
        "POST",
        `/api/lists/${shared.id}/invites`,
        { role: "editor" },
      );
      await ada.api.expect(200, ListSchema, "POST", `/api/invites/${invite.data.token}/accept`);
      await make(ben, { title: "Birthday cake", list_id: shared.id, due_date: "2027-03-03" });
      await make(ben, {
        title: "Ben's errand",
        list_id: shared.id,
        due_date: "2027-03-04",
        assignee_id: ben.id,
      });
      // An archived list's tasks stay out.
      const old = await createList(ada, "Old");
      await make(ada, { title: "Archived thing", list_id: old.id, due_date: "2027-01-20" });
      await ada.api.expect(200, ListSchema, "PATCH", `/api/lists/${old.id}`, { archived: true });
      // Ben's own feed never shows in Ada's.
      await make(ben, { title: "Ben's private", due_date: "2027-01-16" });

      const url = await makeFeed(ada);
      expect(url).toMatch(new RegExp(`^${origin}/feeds/[A-Za-z0-9_-]{32}\\.ics$`));
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
      const text = await response.text();
      expect(text.startsWith("BEGIN:VCALENDAR\r\n")).toBe(true);

      const events = await readWithIcalendar(text);
      expect(events.map((event) => event.summary)).toEqual([
        "Dentist",
        "Pay rent",
        "Birthday cake",
      ]);
      const [dentist, rent, cake] = events;
      expect(dentist).toMatchObject({
        start: "2027-01-15T09:30:00",
        duration: "0:30:00",
        end: null,
        description: "Bring the card",
        categories: ["Inbox", "health"],
      });
      expect(rent).toMatchObject({ start: "2027-02-01", end: "2027-02-02", duration: null });
      expect(cake).toMatchObject({ start: "2027-03-03", categories: ["Family"] });
      expect(new Set(events.map((event) => event.uid)).size).toBe(3);
    },
  );

  it("keeps one link until it is reset; an old, unknown or malformed one is 404", async () => {
    const ada = await person();
    expect((await ada.api.expect(200, LinkSchema, "GET", "/api/calendar-feed")).data).toEqual({
      url: null,
    });
    const first = await makeFeed(ada);
    expect((await ada.api.expect(200, LinkSchema, "GET", "/api/calendar-feed")).data.url).toBe(
      first,
    );
    expect((await fetch(first)).status).toBe(200);

    const second = await makeFeed(ada);
    expect(second).not.toBe(first);
    expect((await fetch(first)).status).toBe(404);
    expect((await fetch(second)).status).toBe(200);
    for (const path of [
      `/feeds/${"A".repeat(32)}.ics`,
      "/feeds/short.ics",
      `/feeds/${second.slice(-36, -4)}`,
      `/feeds/${second.slice(-36, -4)}.ics.ics`,
    ]) {
      const answer = await fetch(`${origin}${path}`);
      expect(answer.status).toBe(404);
    }

    const off = await ada.api.request("DELETE", "/api/calendar-feed");
    expect(off.status).toBe(204);
    expect((await fetch(second)).status).toBe(404);
    expect((await ada.api.request("DELETE", "/api/calendar-feed")).status).toBe(404);
    expect((await ada.api.expect(200, LinkSchema, "GET", "/api/calendar-feed")).data).toEqual({
      url: null,
    });
  });

  it("needs a token to make a link, and keeps feed secrets out of the log", async () => {
    const answer = await fetch(`${origin}/api/calendar-feed`, { method: "POST" });
    expect(answer.status).toBe(401);
    const ada = await person();
    const url = await makeFeed(ada);
    const secret = url.slice(-36, -4);
    lines.length = 0;
    await fetch(url);
    await fetch(`${origin}/feeds/${secret}`);
    const log = lines.join("");
    expect(log).toContain("/feeds/[redacted].ics");
    expect(log).not.toContain(secret);
  });
});
