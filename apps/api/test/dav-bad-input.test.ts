// Odd and hostile CalDAV input: every request gets a 4xx or a success, never a 5xx, and what a
// client stored oddly is still served (GET, PROPFIND, the reports) without failing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { davRequest, ics, makeList, person, vtodo } from "./support/dav.ts";
import { listen } from "./support/http.ts";

const database = await useTestDatabase();
let t: TestApp;
let origin: string;

beforeAll(async () => {
  t = await buildTestApp({ databaseUrl: database.url, mode: "hs256" });
  origin = await listen(t.app);
});
afterAll(() => t.close());

const stamp = "DTSTAMP:20261201T100000Z";
const odd: Record<string, string> = {
  empty: "",
  truncated: "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\nUID:x",
  "no-uid": vtodo(stamp, "SUMMARY:No UID"),
  "two-uids": ics(
    "BEGIN:VCALENDAR",
    "BEGIN:VTODO",
    "UID:a",
    "END:VTODO",
    "BEGIN:VTODO",
    "UID:b",
    "END:VTODO",
    "END:VCALENDAR",
  ),
  "year-zero": vtodo("UID:year-zero", stamp, "SUMMARY:Year zero", "DUE;VALUE=DATE:00000101"),
  "far-future": vtodo(
    "UID:far-future",
    stamp,
    "SUMMARY:Far",
    "DUE;VALUE=DATE:99991231",
    "BEGIN:VALARM",
    "ACTION:DISPLAY",
    "TRIGGER;RELATED=END:P9999W",
    "END:VALARM",
  ),
  "old-alarm": vtodo(
    "UID:old-alarm",
    stamp,
    "SUMMARY:Old alarm",
    "BEGIN:VALARM",
    "ACTION:DISPLAY",
    "TRIGGER;VALUE=DATE-TIME:00010101T000000Z",
    "END:VALARM",
  ),
  "odd-priority": vtodo("UID:odd-priority", stamp, "SUMMARY:P", "PRIORITY:abc"),
  secondly: vtodo(
    "UID:secondly",
    stamp,
    "SUMMARY:S",
    "DUE;VALUE=DATE:20261210",
    "RRULE:FREQ=SECONDLY",
  ),
  "bad-rrule": vtodo("UID:bad-rrule", stamp, "SUMMARY:R", "RRULE:garbage"),
  "many-tags": vtodo(
    "UID:many-tags",
    stamp,
    "SUMMARY:Tags",
    `CATEGORIES:${Array.from({ length: 50 }, (_, i) => `tag${i}${"x".repeat(40)}`).join(",")}`,
  ),
  "long-uid": vtodo(`UID:${"u".repeat(300)}`, stamp, "SUMMARY:U"),
  "unknown-zone": vtodo(
    "UID:unknown-zone",
    stamp,
    "SUMMARY:Z",
    "DUE;TZID=Nowhere/Zone:20261201T100000",
  ),
  "broken-vtimezone": ics(
    "BEGIN:VCALENDAR",
    "BEGIN:VTIMEZONE",
    "TZID:Broken",
    "BEGIN:STANDARD",
    "TZOFFSETTO:nonsense",
    "END:STANDARD",
    "END:VTIMEZONE",
    "BEGIN:VTODO",
    "UID:broken-vtimezone",
    stamp,
    "SUMMARY:B",
    "DUE;TZID=Broken:20261201T100000",
    "END:VTODO",
    "END:VCALENDAR",
  ),
  "long-fields": vtodo(
    "UID:long-fields",
    stamp,
    `SUMMARY:${"s".repeat(300)}`,
    `DESCRIPTION:${"d".repeat(5000)}`,
  ),
  "own-parent": vtodo("UID:own-parent", stamp, "SUMMARY:Own", "RELATED-TO:own-parent"),
  "cycle-a": vtodo("UID:cycle-a", stamp, "SUMMARY:A", "RELATED-TO:cycle-b"),
  "cycle-b": vtodo("UID:cycle-b", stamp, "SUMMARY:B", "RELATED-TO:cycle-a"),
  "blank-summary": vtodo("UID:blank-summary", stamp, "SUMMARY:   "),
  "odd-due": vtodo("UID:odd-due", stamp, "SUMMARY:D", "DUE:notadate"),
  journal: ics("BEGIN:VCALENDAR", "BEGIN:VJOURNAL", "UID:j", "END:VJOURNAL", "END:VCALENDAR"),
};

describe("CalDAV bad input", () => {
  it("answers every odd upload below 500, and still serves what was stored", async () => {
    const ada = await person(t, origin);
    const list = await makeList(ada, "Odd");
    const base = `/dav/calendars/${ada.id}/${list.id}/`;
    for (const [name, body] of Object.entries(odd)) {
      const answer = await davRequest(origin, ada, "PUT", `${base}${name}.ics`, {
        body,
        headers: { "content-type": "text/calendar" },
      });
      expect([name, answer.status < 500]).toEqual([name, true]);
    }
    const listing = await davRequest(origin, ada, "PROPFIND", base, { headers: { depth: "1" } });
    expect(listing.status).toBe(207);
    const hrefs = [...(await listing.text()).matchAll(/<d:href>([^<]+\.ics)<\/d:href>/g)].map(
      (match) => match[1] ?? "",
    );
    expect(hrefs.length).toBeGreaterThan(10);
    for (const href of hrefs) expect((await davRequest(origin, ada, "GET", href)).status).toBe(200);
    const query = await davRequest(origin, ada, "REPORT", base, {
      headers: { depth: "1", "content-type": "application/xml" },
      body: '<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO"><c:time-range start="20261101T000000Z" end="20261231T000000Z"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>',
    });
    expect(query.status).toBe(207);
  });

  it("answers odd paths, headers and XML below 500", async () => {
    const ada = await person(t, origin);
    const list = await makeList(ada, "Odd paths");
    const base = `/dav/calendars/${ada.id}/${list.id}/`;
    const body = vtodo("UID:plain", stamp, "SUMMARY:Plain");
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY e SYSTEM "file:///etc/passwd">]><d:propfind xmlns:d="DAV:"><d:prop><d:displayname>&c;&e;</d:displayname></d:prop></d:propfind>';
    const requests: Array<[string, string, { body?: string; headers?: Record<string, string> }]> = [
      ["PUT", `${base}%ZZ.ics`, { body }],
      ["PUT", `${base}${"n".repeat(300)}.ics`, { body }],
      ["PUT", `${base}a/b/c.ics`, { body }],
      ["PUT", `${base}x.ics`, { body, headers: { "if-match": "garbage" } }],
      ["PUT", base, { body }],
      ["GET", `${base}%E0%A4%A.ics`, {}],
      ["PROPFIND", base, { body: bomb, headers: { depth: "infinity" } }],
      ["PROPFIND", base, { body: "<not xml", headers: { "content-type": "application/xml" } }],
      ["REPORT", base, { body: "" }],
      ["REPORT", base, { body: '<?xml version="1.0"?><x:unknown xmlns:x="urn:x"/>' }],
      [
        "REPORT",
        base,
        {
          body: '<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>urn:taskbridge:sync:99999999999999999999</d:sync-token></d:sync-collection>',
        },
      ],
      [
        "REPORT",
        base,
        {
          body: '<?xml version="1.0"?><c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:href>%</d:href><d:href></d:href></c:calendar-multiget>',
        },
      ],
      ["PROPPATCH", base, { body: "" }],
      ["PROPPATCH", base, { body: '<?xml version="1.0"?><d:propertyupdate xmlns:d="DAV:"/>' }],
      ["MKCALENDAR", `/dav/calendars/${ada.id}/${"m".repeat(300)}/`, {}],
      ["MKCALENDAR", `/dav/calendars/${ada.id}/new/`, { body: "<garbage" }],
      ["MKCOL", `/dav/calendars/${ada.id}/plain/`, {}],
      ["MKCALENDAR", `/dav/principals/${ada.id}/`, {}],
      ["DELETE", `/dav/calendars/${ada.id}/`, {}],
      ["PROPPATCH", `${base}plain.ics`, { body: "<x/>" }],
    ];
    for (const [method, path, options] of requests) {
      const answer = await davRequest(origin, ada, method, path, options);
      expect([method, path.slice(0, 80), answer.status < 500]).toEqual([
        method,
        path.slice(0, 80),
        true,
      ]);
      if (method === "PROPFIND" && answer.status === 207)
        expect(await answer.text()).not.toContain("root:");
    }
  });
});
