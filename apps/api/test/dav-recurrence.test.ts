// Recurring tasks completed from CalDAV clients, each in the way a named client does it (shared
// notes: caldav-clients.md, "VTODO"), and DUE in time zones: no lost and no doubled occurrence,
// and the wall-clock time the person's zone reads.
import ICAL from "ical.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Task } from "@taskbridge/shared/task";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { davRequest, ics, makeList, person, tasksOf, type Person } from "./support/dav.ts";
import { listen } from "./support/http.ts";

const database = await useTestDatabase();
let t: TestApp;
let origin: string;

beforeAll(async () => {
  t = await buildTestApp({ databaseUrl: database.url, mode: "hs256" });
  origin = await listen(t.app);
});
afterAll(() => t.close());

async function put(who: Person, listId: string, name: string, body: string) {
  const answer = await davRequest(
    origin,
    who,
    "PUT",
    `/dav/calendars/${who.id}/${listId}/${name}`,
    {
      body,
      headers: { "content-type": "text/calendar; charset=utf-8" },
    },
  );
  expect([201, 204]).toContain(answer.status);
  return answer;
}

const calendar = (prodid: string, ...lines: string[]) =>
  ics("BEGIN:VCALENDAR", "VERSION:2.0", `PRODID:${prodid}`, ...lines, "END:VCALENDAR");

const open = (tasks: Task[]) => tasks.filter((one) => !one.completed);

describe("recurring tasks completed by CalDAV clients", () => {
  it("python-caldav's complete(): the master marked COMPLETED with its RRULE kept gets one successor from Taskbridge", async () => {
    const ada = await person(t, origin);
    const list = await makeList(ada, "Bins");
    const todo = (...status: string[]) =>
      calendar(
        "-//python-caldav//caldav//en_DK",
        "BEGIN:VTODO",
        "UID:bins-weekly",
        "DTSTAMP:20261201T100000Z",
        "SUMMARY:Take out the bins",
        "DUE;VALUE=DATE:20261207",
        "RRULE:FREQ=WEEKLY",
        ...status,
        "END:VTODO",
      );
    await put(ada, list.id, "bins.ics", todo("STATUS:NEEDS-ACTION"));
    const completed = todo("STATUS:COMPLETED", "COMPLETED:20261207T183000Z");
    await put(ada, list.id, "bins.ics", completed);
    // The same upload again (a retry) makes no second successor.
    await put(ada, list.id, "bins.ics", completed);
    const tasks = await tasksOf(ada, list.id);
    expect(open(tasks)).toHaveLength(1);
    expect(open(tasks)[0]).toMatchObject({ due_date: "2026-12-14", recurrence: "FREQ=WEEKLY" });
    expect(tasks.filter((one) => one.completed)).toHaveLength(1);
    // The successor is a resource of the calendar, named by its id.
    const next = open(tasks)[0];
    const served = await davRequest(
      origin,
      ada,
      "GET",
      `/dav/calendars/${ada.id}/${list.id}/${next?.id ?? ""}.ics`,
    );
    expect(await served.text()).toContain("DUE;VALUE=DATE:20261214");
  });

  it("todoman: the old one completed without its RRULE and the next uploaded as a new UID gives no successor from Taskbridge", async () => {
    const ada = await person(t, origin);
    const list = await makeList(ada, "Plants");
    const vtodo = (uid: string, ...lines: string[]) =>
      calendar(
        "-//todoman//NONSGML v4.1.0//EN",
        "BEGIN:VTODO",
        `UID:${uid}`,
        "DTSTAMP:20261201T100000Z",
        "SUMMARY:Water the plants",
        ...lines,
        "END:VTODO",
      );
    await put(
      ada,
      list.id,
      "1f6a.ics",
      vtodo("1f6a", "DUE:20261207T090000Z", "RRULE:FREQ=WEEKLY", "STATUS:NEEDS-ACTION"),
    );
    // todoman saves the next instance, then the completed one without its RRULE.
    await put(
      ada,
      list.id,
      "9c2e.ics",
      vtodo("9c2e", "DUE:20261214T090000Z", "RRULE:FREQ=WEEKLY", "STATUS:NEEDS-ACTION"),
    );
    await put(
      ada,
      list.id,
      "1f6a.ics",
      vtodo(
        "1f6a",
        "DUE:20261207T090000Z",
        "COMPLETED:20261207T100000Z",
        "PERCENT-COMPLETE:100",
        "STATUS:COMPLETED",
      ),
    );
    const tasks = await tasksOf(ada, list.id);
    expect(open(tasks)).toHaveLength(1);
    expect(open(tasks)[0]).toMatchObject({
      due_date: "2026-12-14",
      due_time: "09:00",
      recurrence: "FREQ=WEEKLY",
    });
    expect(tasks).toHaveLength(2);
  });

  it("Tasks.org: DUE moved forward in place is a date change, not a completion", async () => {
    const ada = await person(t, origin);
    const list = await makeList(ada, "Gym");
    const zone = [
      "BEGIN:VTIMEZONE",
      "TZID:Europe/Berlin",
      "BEGIN:STANDARD",
      "TZOFFSETFROM:+0200",
      "TZOFFSETTO:+0100",
      "TZNAME:CET",
      "DTSTART:19701025T030000",
      "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
      "END:STANDARD",
      "BEGIN:DAYLIGHT",
      "TZOFFSETFROM:+0100",
      "TZOFFSETTO:+0200",
      "TZNAME:CEST",
      "DTSTART:19700329T020000",
      "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
      "END:DAYLIGHT",
      "END:VTIMEZONE",
    ];
    const vtodo = (day: string) =>
      calendar(
        "+//IDN tasks.org//android-130900//EN",
        ...zone,
        "BEGIN:VTODO",
        "UID:5719384920194857",
        "DTSTAMP:20261201T100000Z",
        "SUMMARY:Gym",
        `DTSTART;TZID=Europe/Berlin:202612${day}T090000`,
        `DUE;TZID=Europe/Berlin:202612${day}T100000`,
        "RRULE:FREQ=WEEKLY",
        "STATUS:NEEDS-ACTION",
        "PRIORITY:9",
        "END:VTODO",
      );
    await put(ada, list.id, "5719384920194857.ics", vtodo("07"));
    await put(ada, list.id, "5719384920194857.ics", vtodo("14"));
    const tasks = await tasksOf(ada, list.id);
    expect(tasks).toHaveLength(1);
    // Moved earlier on the board: DUE is rewritten, and DTSTART no longer comes after it.
    await ada.api.update(tasks[0]?.id ?? "", { due_date: "2026-12-13", due_time: "08:00" });
    const served = await (
      await davRequest(
        origin,
        ada,
        "GET",
        `/dav/calendars/${ada.id}/${list.id}/5719384920194857.ics`,
      )
    ).text();
    expect(served).toContain("DUE:20261213T080000Z");
    expect(served).toContain("DTSTART:20261213T080000Z");
    expect(served).not.toContain("DTSTART;TZID=Europe/Berlin:20261214T090000");
    await ada.api.update(tasks[0]?.id ?? "", { due_date: "2026-12-14", due_time: "09:00" });
    // 10:00 in Berlin is 09:00 on the wall clock of a person in UTC.
    expect(await tasksOf(ada, list.id)).toMatchObject([
      { completed: false, due_date: "2026-12-14", due_time: "09:00", recurrence: "FREQ=WEEKLY" },
    ]);
  });

  it("Thunderbird: a RECURRENCE-ID override marked completed is kept in the resource; the task follows the master", async () => {
    const ada = await person(t, origin);
    const list = await makeList(ada, "Reports");
    const master = [
      "BEGIN:VTODO",
      "UID:f3b1c2d4-report",
      "DTSTAMP:20261201T100000Z",
      "SUMMARY:Weekly report",
      "DUE;VALUE=DATE:20261211",
      "RRULE:FREQ=WEEKLY;BYDAY=FR",
      "STATUS:NEEDS-ACTION",
      "X-MOZ-GENERATION:1",
      "END:VTODO",
    ];
    const prodid = "-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN";
    await put(ada, list.id, "f3b1c2d4-report.ics", calendar(prodid, ...master));
    const withOverride = calendar(
      prodid,
      ...master.map((line) => (line === "X-MOZ-GENERATION:1" ? "X-MOZ-GENERATION:2" : line)),
      "BEGIN:VTODO",
      "UID:f3b1c2d4-report",
      "DTSTAMP:20261211T170000Z",
      "RECURRENCE-ID;VALUE=DATE:20261211",
      "SUMMARY:Weekly report",
      "DUE;VALUE=DATE:20261211",
      "STATUS:COMPLETED",
      "COMPLETED:20261211T170000Z",
      "PERCENT-COMPLETE:100",
      "END:VTODO",
    );
    const answer = await put(ada, list.id, "f3b1c2d4-report.ics", withOverride);
    expect(answer.headers.get("etag")).not.toBeNull();
    const tasks = await tasksOf(ada, list.id);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ completed: false, due_date: "2026-12-11" });
    const served = await davRequest(
      origin,
      ada,
      "GET",
      `/dav/calendars/${ada.id}/${list.id}/f3b1c2d4-report.ics`,
    );
    expect(await served.text()).toBe(withOverride);
  });
});

describe("due times in time zones", () => {
  async function setZone(who: Person, zone: string) {
    await who.api.request("PATCH", "/api/me/settings", { time_zone: zone });
  }

  it("reads a DUE in America/Los_Angeles, in UTC and floating on the wall clock of a person in Asia/Kolkata", async () => {
    const ada = await person(t, origin);
    await setZone(ada, "Asia/Kolkata");
    const list = await makeList(ada, "Zones");
    const los = [
      "BEGIN:VTIMEZONE",
      "TZID:America/Los_Angeles",
      "BEGIN:STANDARD",
      "DTSTART:19701101T020000",
      "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU",
      "TZOFFSETFROM:-0700",
      "TZOFFSETTO:-0800",
      "END:STANDARD",
      "BEGIN:DAYLIGHT",
      "DTSTART:19700308T020000",
      "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
      "TZOFFSETFROM:-0800",
      "TZOFFSETTO:-0700",
      "END:DAYLIGHT",
      "END:VTIMEZONE",
    ];
    const todo = (uid: string, due: string, ...zone: string[]) =>
      calendar(
        "-//Example//Zones//EN",
        ...zone,
        "BEGIN:VTODO",
        `UID:${uid}`,
        "DTSTAMP:20261201T100000Z",
        `SUMMARY:${uid}`,
        due,
        "END:VTODO",
      );
    const bodies = {
      "los-angeles": todo("los-angeles", "DUE;TZID=America/Los_Angeles:20261205T090000", ...los),
      "los-angeles-by-name": todo(
        "los-angeles-by-name",
        "DUE;TZID=America/Los_Angeles:20260705T090000",
      ),
      utc: todo("utc", "DUE:20261205T090000Z"),
      floating: todo("floating", "DUE:20261205T090000"),
    };
    for (const [name, body] of Object.entries(bodies)) await put(ada, list.id, `${name}.ics`, body);
    const byTitle = new Map((await tasksOf(ada, list.id)).map((one) => [one.title, one]));
    // 09:00 PST is 17:00 UTC, 22:30 in Kolkata; 09:00 PDT (July) is 16:00 UTC, 21:30 there.
    expect(byTitle.get("los-angeles")).toMatchObject({ due_date: "2026-12-05", due_time: "22:30" });
    expect(byTitle.get("los-angeles-by-name")).toMatchObject({
      due_date: "2026-07-05",
      due_time: "21:30",
    });
    expect(byTitle.get("utc")).toMatchObject({ due_date: "2026-12-05", due_time: "14:30" });
    expect(byTitle.get("floating")).toMatchObject({ due_date: "2026-12-05", due_time: "09:00" });
    // Each is served back as it was sent.
    for (const [name, body] of Object.entries(bodies)) {
      const served = await davRequest(
        origin,
        ada,
        "GET",
        `/dav/calendars/${ada.id}/${list.id}/${name}.ics`,
      );
      expect(await served.text()).toBe(body);
    }

    // A time set on the board is written for the person's zone: the same instant.
    const made = await ada.api.create({
      title: "Board",
      list_id: list.id,
      due_date: "2026-12-06",
      due_time: "08:00",
    });
    const text = await (
      await davRequest(origin, ada, "GET", `/dav/calendars/${ada.id}/${list.id}/${made.id}.ics`)
    ).text();
    // Written on the person's clock, with the zone's VTIMEZONE.
    expect(text).toContain("DUE;TZID=Asia/Kolkata:20261206T080000");
    expect(text).toContain("BEGIN:VTIMEZONE");
    const component = new ICAL.Component(ICAL.parse(text) as unknown[]);
    for (const zone of component.getAllSubcomponents("vtimezone"))
      ICAL.TimezoneService.register(new ICAL.Timezone(zone));
    const due = component.getFirstSubcomponent("vtodo")?.getFirstPropertyValue("due");
    expect(due instanceof ICAL.Time && new Date(due.toUnixTime() * 1000).toISOString()).toBe(
      "2026-12-06T02:30:00.000Z",
    );
  });
});
