// CalDAV's write side: python3-caldav (Debian's) creating, editing, completing and deleting
// tasks and syncing by token while the REST API changes the same list; raw requests for what it
// does not send (preconditions, UID conflicts, sync tokens, MKCOL, PROPPATCH, roles).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ListSchema } from "@taskbridge/shared/list";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import {
  davRequest,
  hasPythonCaldav,
  makeList,
  person,
  python,
  share,
  tasksOf,
  vtodo,
  type Person,
} from "./support/dav.ts";
import { listen } from "./support/http.ts";

const database = await useTestDatabase();
let t: TestApp;
let origin: string;

beforeAll(async () => {
  t = await buildTestApp({ databaseUrl: database.url, mode: "hs256" });
  origin = await listen(t.app);
});
afterAll(() => t.close());

if (!hasPythonCaldav)
  console.warn(
    "SKIPPED: the python3-caldav client tests need python3-caldav and python3-icalendar",
  );

const collection = (who: Person, listId: string) => `/dav/calendars/${who.id}/${listId}/`;

const put = (who: Person, path: string, body: string, headers: Record<string, string> = {}) =>
  davRequest(origin, who, "PUT", path, {
    body,
    headers: { "content-type": "text/calendar; charset=utf-8", ...headers },
  });

const report = (who: Person, path: string, body: string) =>
  davRequest(origin, who, "REPORT", path, {
    body,
    headers: { "content-type": "application/xml", depth: "1" },
  });

const syncBody = (token: string) =>
  `<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`;

const tokenIn = (text: string) => /<d:sync-token>([^<]*)<\/d:sync-token>/.exec(text)?.[1] ?? "";

describe("CalDAV, write side", () => {
  it.skipIf(!hasPythonCaldav)(
    "python3-caldav creates, edits, completes and deletes a task, syncs REST changes by token, and makes a list",
    async () => {
      const ada = await person(t, origin);
      const errands = await makeList(ada, "Errands");
      const token = await t.tokenFor(ada.id);
      const script = `
import json, sys, urllib.request, caldav
origin, email, password, token, list_id = sys.argv[1:6]
def rest(method, path, body=None):
    request = urllib.request.Request(origin + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"authorization": "Bearer " + token, "content-type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        text = answer.read()
        return json.loads(text) if text else None
def names(objects):
    return sorted(str(o.icalendar_component["SUMMARY"]) for o in objects)
client = caldav.DAVClient(url=origin + "/.well-known/caldav", username=email, password=password)
calendar = [c for c in client.principal().calendars() if c.name == "Errands"][0]
out = {}
calendar.save_todo("""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Example//python//EN
BEGIN:VTODO
UID:stamps-1@example.test
DTSTAMP:20261201T100000Z
SUMMARY:Buy stamps
PRIORITY:1
DUE;VALUE=DATE:20270110
CATEGORIES:post,town
END:VTODO
END:VCALENDAR
""")
synced = calendar.objects_by_sync_token(load_objects=True)
out["first"] = names(synced)
made = rest("POST", "/api/tasks", {"title": "Post the letter", "list_id": list_id})
out["made"] = made["id"]
updated, deleted = synced.sync()
out["after_rest_create"] = [names(updated), len(deleted)]
todo = calendar.todo_by_uid("stamps-1@example.test")
todo.icalendar_component["SUMMARY"] = "Buy ten stamps"
todo.save()
updated, deleted = synced.sync()
out["after_edit"] = [names(updated), len(deleted)]
todo = calendar.todo_by_uid("stamps-1@example.test")
todo.complete()
out["open"] = names(calendar.todos())
out["all"] = names(calendar.todos(include_completed=True))
rest("DELETE", "/api/tasks/" + made["id"])
updated, deleted = synced.sync()
out["after_rest_delete"] = [names(updated), [str(o.url).rsplit("/", 1)[-1] for o in deleted]]
calendar.todo_by_uid("stamps-1@example.test").delete()
updated, deleted = synced.sync()
out["after_delete"] = [names(updated), len(deleted)]
try:
    calendar.objects_by_sync_token(sync_token="urn:taskbridge:sync:999999999")
    out["bogus"] = "accepted"
except caldav.lib.error.AuthorizationError:
    out["bogus"] = "refused"
garden = client.principal().make_calendar(name="Garden", supported_calendar_component_set=["VTODO"])
out["garden"] = [c.name for c in client.principal().calendars() if c.name == "Garden"]
print(json.dumps(out))
`;
      const stdout = await python(script, origin, ada.email, ada.password, token, errands.id);
      const out = JSON.parse(stdout) as Record<string, unknown>;
      expect(out.first).toEqual(["Buy stamps"]);
      expect(out.after_rest_create).toEqual([["Post the letter"], 0]);
      expect(out.after_edit).toEqual([["Buy ten stamps"], 0]);
      expect(out.open).toEqual(["Post the letter"]);
      expect(out.all).toEqual(["Buy ten stamps", "Post the letter"]);
      // The completion (made since the last sync) and the deletion made on the REST API.
      expect(out.after_rest_delete).toEqual([["Buy ten stamps"], [`${String(out.made)}.ics`]]);
      expect(out.after_delete).toEqual([[], 1]);
      expect(out.bogus).toBe("refused");
      expect(out.garden).toEqual(["Garden"]);
      // The REST API saw each change: the task made by CalDAV, edited, completed, then deleted.
      expect(await tasksOf(ada, errands.id)).toEqual([]);
      const lists = await ada.api.expect(200, z.array(ListSchema), "GET", "/api/lists");
      expect(lists.data.map((list) => list.name)).toContain("Garden");
    },
  );

  it("stores a VTODO as sent, maps its fields, and serves it back byte for byte with a strong ETag", async () => {
    const ada = await person(t, origin);
    const list = await makeList(ada, "Home");
    const body = vtodo(
      "UID:plants-1@example.test",
      "DTSTAMP:20261201T100000Z",
      "SUMMARY:Water the plants",
      "DESCRIPTION:The ones on the balcony\\, too",
      "CATEGORIES:home,garden",
      "PRIORITY:3",
      "DUE;VALUE=DATE:20261212",
      "RRULE:FREQ=WEEKLY;BYDAY=SA",
      "STATUS:NEEDS-ACTION",
      "X-APPLE-SORT-ORDER:123456789",
    );
    const path = `${collection(ada, list.id)}plants%20one.ics`;
    const created = await put(ada, path, body, { "if-none-match": "*" });
    expect(created.status).toBe(201);
    const etag = created.headers.get("etag");
    expect(etag).toMatch(/^"[^"]+"$/);

    const [task] = await tasksOf(ada, list.id);
    expect(task).toMatchObject({
      title: "Water the plants",
      description: "The ones on the balcony, too",
      tags: ["home", "garden"],
      priority: "high",
      due_date: "2026-12-12",
      due_time: null,
      recurrence: "FREQ=WEEKLY;BYDAY=SA",
      completed: false,
    });

    const fetched = await davRequest(origin, ada, "GET", path);
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get("etag")).toBe(etag);
    expect(await fetched.text()).toBe(body);

    // The same resource again with If-None-Match: 412; with a stale If-Match: 412.
    expect((await put(ada, path, body, { "if-none-match": "*" })).status).toBe(412);
    expect((await put(ada, path, body, { "if-match": '"stale"' })).status).toBe(412);
    const changed = body.replace("Water the plants", "Water all the plants");
    const updated = await put(ada, path, changed, { "if-match": etag ?? "" });
    expect(updated.status).toBe(204);
    expect((await tasksOf(ada, list.id))[0]?.title).toBe("Water all the plants");

    // A second resource with the same UID: 409 no-uid-conflict, nothing made.
    const twin = await put(ada, `${collection(ada, list.id)}twin.ics`, changed);
    expect(twin.status).toBe(409);
    expect(await twin.text()).toContain("no-uid-conflict");
    expect(await tasksOf(ada, list.id)).toHaveLength(1);

    // A summary over 200 characters is cut, and the PUT answers without an ETag.
    const long = await put(
      ada,
      `${collection(ada, list.id)}long.ics`,
      vtodo("UID:long-1", "DTSTAMP:20261201T100000Z", `SUMMARY:${"x".repeat(250)}`),
    );
    expect(long.status).toBe(201);
    expect(long.headers.get("etag")).toBeNull();
    const titles = (await tasksOf(ada, list.id)).map((one) => one.title.length);
    expect(titles).toContain(200);

    // Not iCalendar, or an event: refused, nothing made.
    expect((await put(ada, `${collection(ada, list.id)}bad.ics`, "not a calendar")).status).toBe(
      400,
    );
    const event = (
      await put(
        ada,
        `${collection(ada, list.id)}event.ics`,
        vtodo("UID:x").replace(/VTODO/g, "VEVENT"),
      )
    ).status;
    expect(event).toBe(403);
    expect(await tasksOf(ada, list.id)).toHaveLength(2);

    const deleted = await davRequest(origin, ada, "DELETE", path, {
      headers: { "if-match": '"stale"' },
    });
    expect(deleted.status).toBe(412);
    expect((await davRequest(origin, ada, "DELETE", path)).status).toBe(204);
    expect((await davRequest(origin, ada, "GET", path)).status).toBe(404);
    expect(await tasksOf(ada, list.id)).toHaveLength(1);
  });

  it("keeps X- properties, alarms and overrides byte for byte when the REST API changes the title", async () => {
    const ada = await person(t, origin);
    const list = await makeList(ada, "Round trip");
    const lines = [
      "UID:round-trip-1@example.test",
      "DTSTAMP:20261201T100000Z",
      "CREATED:20261201T100000Z",
      "LAST-MODIFIED:20261201T100000Z",
      "SUMMARY:Call the plumber",
      "DUE;VALUE=DATE:20261214",
      "RRULE:FREQ=WEEKLY;BYDAY=MO",
      "PRIORITY:9",
      "STATUS:NEEDS-ACTION",
      "X-APPLE-SORT-ORDER:987654321",
      "X-MOZ-SNOOZE-TIME:20261214T090000Z",
      'X-CUSTOM;X-PARAM="a:b":kept as it is',
      "BEGIN:VALARM",
      "ACTION:DISPLAY",
      "DESCRIPTION:Reminder",
      "TRIGGER;RELATED=END:-PT15M",
      "END:VALARM",
      "BEGIN:VALARM",
      "ACTION:AUDIO",
      "TRIGGER;VALUE=DATE-TIME:20261214T080000Z",
      "END:VALARM",
    ];
    const override = [
      "BEGIN:VTODO",
      "UID:round-trip-1@example.test",
      "DTSTAMP:20261201T100000Z",
      "RECURRENCE-ID;VALUE=DATE:20261221",
      "SUMMARY:Call the plumber (moved)",
      "DUE;VALUE=DATE:20261222",
      "END:VTODO",
    ];
    const body = vtodo(...lines).replace(
      "END:VCALENDAR",
      `${override.join("\r\n")}\r\nEND:VCALENDAR`,
    );
    const path = `${collection(ada, list.id)}round-trip.ics`;
    expect((await put(ada, path, body)).status).toBe(201);
    const [task] = await tasksOf(ada, list.id);
    expect(task).toMatchObject({
      title: "Call the plumber",
      priority: "low",
      recurrence: "FREQ=WEEKLY;BYDAY=MO",
      due_date: "2026-12-14",
    });
    expect(task?.remind_at).toBe("2026-12-13T23:45:00.000Z");

    await ada.api.update(task?.id ?? "", { title: "Call the plumber today" });
    const served = await (await davRequest(origin, ada, "GET", path)).text();
    const before = body.split("\r\n");
    const after = served.split("\r\n");
    const rewritten = new Set(["SUMMARY", "LAST-MODIFIED", "DTSTAMP"]);
    // Line by line: only the master's SUMMARY, LAST-MODIFIED and DTSTAMP differ.
    expect(after).toHaveLength(before.length);
    const differing = before
      .map((line, i) => [line, after[i] ?? ""] as const)
      .filter(([was, now]) => was !== now);
    const nameOf = (line: string) => line.split(/[:;]/)[0];
    expect(differing.map(([was]) => nameOf(was)).sort()).toEqual([...rewritten].sort());
    for (const [was, now] of differing) expect(nameOf(now)).toBe(nameOf(was));
    expect(after).toContain("SUMMARY:Call the plumber today");
    expect(after).toContain("SUMMARY:Call the plumber (moved)");
    // The override's DTSTAMP is the client's own: only the master's moved.
    expect(after.filter((line) => line === "DTSTAMP:20261201T100000Z")).toHaveLength(1);
  });

  it("syncs by token: everything for an empty one, changes and tombstones for a current one, 403 for a bogus one", async () => {
    const ada = await person(t, origin);
    const list = await makeList(ada, "Synced");
    const path = collection(ada, list.id);
    const keep = await ada.api.create({ title: "Stays", list_id: list.id });
    const gone = await ada.api.create({ title: "Goes", list_id: list.id });

    const first = await report(ada, path, syncBody(""));
    expect(first.status).toBe(207);
    const firstText = await first.text();
    expect(firstText).toContain(`${keep.id}.ics`);
    expect(firstText).toContain(`${gone.id}.ics`);
    const token = tokenIn(firstText);
    expect(token).toMatch(/^urn:taskbridge:sync:\d+-[\w-]{8}$/);

    const quiet = await report(ada, path, syncBody(token));
    const quietText = await quiet.text();
    expect(quietText).not.toContain("<d:response>");
    expect(tokenIn(quietText)).toBe(token);

    await ada.api.request("DELETE", `/api/tasks/${gone.id}`);
    await ada.api.update(keep.id, { title: "Stays, renamed" });
    const other = await makeList(ada, "Elsewhere");
    await ada.api.create({ title: "Not in this list", list_id: other.id });
    const changes = await (await report(ada, path, syncBody(token))).text();
    expect(changes).toContain(`${keep.id}.ics</d:href><d:propstat>`);
    expect(changes).toMatch(new RegExp(`${gone.id}\\.ics</d:href><d:status>HTTP/1.1 404`));
    expect(changes).not.toContain("Not in this list");
    expect(tokenIn(changes)).not.toBe(token);

    // The ctag and the sync-token change with a change made elsewhere.
    const propfind = async () =>
      (
        await davRequest(origin, ada, "PROPFIND", path, {
          headers: { depth: "0", "content-type": "application/xml" },
          body: '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:prop><cs:getctag/><d:sync-token/></d:prop></d:propfind>',
        })
      ).text();
    const was = await propfind();
    await ada.api.update(keep.id, { priority: "high" });
    expect(await propfind()).not.toBe(was);

    const future = token.replace(/sync:\d+/, "sync:999999999");
    for (const bogus of [future, "urn:taskbridge:sync:1", "http://example.test/sync/1", "x"]) {
      const refused = await report(ada, path, syncBody(bogus));
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain("valid-sync-token");
    }

    // A new time zone rewrites every due time: the ctag changes and an older token is void.
    const current = tokenIn(await (await report(ada, path, syncBody(""))).text());
    const before = await propfind();
    await ada.api.request("PATCH", "/api/me/settings", { time_zone: "Asia/Tokyo" });
    expect(await propfind()).not.toBe(before);
    expect((await report(ada, path, syncBody(current))).status).toBe(403);
  });

  it("makes lists with MKCALENDAR and extended MKCOL, renames and recolours with PROPPATCH, deletes with DELETE", async () => {
    const ada = await person(t, origin);
    const home = `/dav/calendars/${ada.id}/`;
    const mkcalendar = await davRequest(origin, ada, "MKCALENDAR", `${home}reminders-1/`, {
      headers: { "content-type": "application/xml" },
      body: '<?xml version="1.0"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:a="http://apple.com/ns/ical/"><d:set><d:prop><d:displayname>Reminders</d:displayname><a:calendar-color>#FF0000FF</a:calendar-color><c:supported-calendar-component-set><c:comp name="VTODO"/></c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>',
    });
    expect(mkcalendar.status).toBe(201);
    const events = await davRequest(origin, ada, "MKCALENDAR", `${home}events/`, {
      body: '<?xml version="1.0"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><c:supported-calendar-component-set><c:comp name="VEVENT"/></c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>',
    });
    expect(events.status).toBe(403);
    const mkcol = await davRequest(origin, ada, "MKCOL", `${home}shopping/`, {
      headers: { "content-type": "application/xml" },
      body: '<?xml version="1.0"?><d:mkcol xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><d:resourcetype><d:collection/><c:calendar/></d:resourcetype><d:displayname>Shopping</d:displayname></d:prop></d:set></d:mkcol>',
    });
    expect(mkcol.status).toBe(201);
    expect((await davRequest(origin, ada, "MKCALENDAR", `${home}shopping/`)).status).toBe(405);

    const lists = async () =>
      (await ada.api.expect(200, z.array(ListSchema), "GET", "/api/lists")).data;
    const reminders = (await lists()).find((list) => list.name === "Reminders");
    expect(reminders?.color).toBe("red");
    expect((await lists()).map((list) => list.name)).toContain("Shopping");
    expect((await lists()).map((list) => list.name)).not.toContain("events");

    // A task PUT at the path the client chose lands in that list.
    const task = await put(
      ada,
      `${home}reminders-1/new.ics`,
      vtodo("UID:new-1", "DTSTAMP:20261201T100000Z", "SUMMARY:First"),
    );
    expect(task.status).toBe(201);
    expect((await tasksOf(ada, reminders?.id ?? "")).map((one) => one.title)).toEqual(["First"]);

    const patch = await davRequest(origin, ada, "PROPPATCH", `${home}reminders-1/`, {
      headers: { "content-type": "application/xml" },
      body: '<?xml version="1.0"?><d:propertyupdate xmlns:d="DAV:" xmlns:a="http://apple.com/ns/ical/"><d:set><d:prop><d:displayname>Chores</d:displayname><a:calendar-color>#2255EE</a:calendar-color><a:calendar-order>3</a:calendar-order></d:prop></d:set></d:propertyupdate>',
    });
    expect(patch.status).toBe(207);
    expect(await patch.text()).toContain("HTTP/1.1 200 OK");
    const chores = (await lists()).find((list) => list.id === reminders?.id);
    expect(chores).toMatchObject({ name: "Chores", color: "blue" });

    // An unknown property fails the whole PROPPATCH: nothing changes.
    const refused = await davRequest(origin, ada, "PROPPATCH", `${home}reminders-1/`, {
      body: '<?xml version="1.0"?><d:propertyupdate xmlns:d="DAV:" xmlns:x="urn:example"><d:set><d:prop><d:displayname>Other</d:displayname><x:thing>1</x:thing></d:prop></d:set></d:propertyupdate>',
    });
    const refusedText = await refused.text();
    expect(refusedText).toContain("HTTP/1.1 403 Forbidden");
    expect(refusedText).toContain("HTTP/1.1 424 Failed Dependency");
    expect((await lists()).find((list) => list.id === reminders?.id)?.name).toBe("Chores");

    // Each list says its place among the person's lists, as Apple's calendar-order.
    const listing = await (
      await davRequest(origin, ada, "PROPFIND", home, {
        headers: { depth: "1", "content-type": "application/xml" },
        body: '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:a="http://apple.com/ns/ical/"><d:prop><a:calendar-order/></d:prop></d:propfind>',
      })
    ).text();
    expect(listing.match(/<ical:calendar-order>\d+<\/ical:calendar-order>/g)).toHaveLength(
      (await lists()).length,
    );
    const inbox = (await lists()).find((list) => list.is_inbox);
    expect((await davRequest(origin, ada, "DELETE", `${home}${inbox?.id ?? ""}/`)).status).toBe(
      403,
    );
    expect((await davRequest(origin, ada, "DELETE", `${home}reminders-1/`)).status).toBe(204);
    expect((await lists()).map((list) => list.name)).not.toContain("Chores");
  });

  it("lets a viewer read but not write, keeps another person's lists out of reach, and refuses a read-only app password's writes", async () => {
    const ada = await person(t, origin);
    const ben = await person(t, origin);
    const list = await makeList(ada, "Shared");
    await share(ada, list, ben, "viewer");
    const task = await ada.api.create({ title: "Ada's", list_id: list.id });
    const benPath = `/dav/calendars/${ben.id}/${list.id}/`;

    expect((await davRequest(origin, ben, "GET", `${benPath}${task.id}.ics`)).status).toBe(200);
    const body = vtodo("UID:ben-1", "DTSTAMP:20261201T100000Z", "SUMMARY:Ben's");
    expect((await put(ben, `${benPath}ben.ics`, body)).status).toBe(403);
    expect((await davRequest(origin, ben, "DELETE", `${benPath}${task.id}.ics`)).status).toBe(403);
    expect((await davRequest(origin, ben, "DELETE", benPath)).status).toBe(403);
    expect((await tasksOf(ada, list.id)).map((one) => one.title)).toEqual(["Ada's"]);

    // Ada's own list through Ben's eyes under Ada's home, or Ben's private list through Ada's.
    const bens = await makeList(ben, "Private");
    const adaPath = `/dav/calendars/${ada.id}/${bens.id}/`;
    expect((await put(ada, `${adaPath}x.ics`, body)).status).toBe(404);
    expect((await davRequest(origin, ben, "PROPFIND", `/dav/calendars/${ada.id}/`)).status).toBe(
      404,
    );

    const reader = await person(t, origin, "read_only");
    const readerList = await makeList(reader, "Mine");
    const refused = await put(reader, `/dav/calendars/${reader.id}/${readerList.id}/a.ics`, body);
    expect(refused.status).toBe(403);
    // Nothing is made, not even after the answer (a refusal once answered, then went on).
    for (let i = 0; i < 5; i += 1) {
      expect(await tasksOf(reader, readerList.id)).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  it("links a subtask sent before its parent once the parent arrives", async () => {
    const ada = await person(t, origin);
    const list = await makeList(ada, "Project");
    const path = collection(ada, list.id);
    const child = vtodo(
      "UID:child-1",
      "DTSTAMP:20261201T100000Z",
      "SUMMARY:Child",
      "RELATED-TO:parent-1",
    );
    expect((await put(ada, `${path}child.ics`, child)).status).toBe(201);
    expect(await davRequest(origin, ada, "GET", `${path}child.ics`).then((r) => r.text())).toBe(
      child,
    );
    const parent = vtodo("UID:parent-1", "DTSTAMP:20261201T100000Z", "SUMMARY:Parent");
    expect((await put(ada, `${path}parent.ics`, parent)).status).toBe(201);
    const tasks = await tasksOf(ada, list.id);
    const parentTask = tasks.find((one) => one.title === "Parent");
    expect(tasks.find((one) => one.title === "Child")?.parent_id).toBe(parentTask?.id);
    // Both still served as sent.
    expect(await (await davRequest(origin, ada, "GET", `${path}child.ics`)).text()).toBe(child);
    expect(await (await davRequest(origin, ada, "GET", `${path}parent.ics`)).text()).toBe(parent);
  });

  it("answers a calendar-query's time-range as RFC 4791 §9.9 says, and no VEVENTs", async () => {
    const ada = await person(t, origin);
    const list = await makeList(ada, "Ranged");
    const made = async (title: string, fields: Record<string, unknown> = {}) =>
      ada.api.create({ title, list_id: list.id, ...fields });
    await made("In range", { due_date: "2026-12-10", due_time: "12:00" });
    await made("Far away", { due_date: "2027-06-01" });
    await made("Undated");
    await made("Recurring since before", { due_date: "2026-01-05", recurrence: "FREQ=WEEKLY" });
    await put(
      ada,
      `${collection(ada, list.id)}done-long-ago.ics`,
      vtodo(
        "UID:done-long-ago",
        "DTSTAMP:20250101T100000Z",
        "SUMMARY:Done long ago",
        "STATUS:COMPLETED",
        "COMPLETED:20250101T100000Z",
      ),
    );
    const query = (component: string, range: string) =>
      report(
        ada,
        collection(ada, list.id),
        `<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="${component}">${range}</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`,
      ).then((answer) => answer.text());
    const summaries = (text: string) =>
      [...text.matchAll(/SUMMARY:([^\r\n]*)/g)].map((match) => match[1]).sort();
    const fiveWeeks = await query(
      "VTODO",
      '<c:time-range start="20261101T000000Z" end="20261231T000000Z"/>',
    );
    expect(summaries(fiveWeeks)).toEqual(["In range", "Recurring since before", "Undated"]);
    expect(summaries(await query("VTODO", ""))).toHaveLength(5);
    expect(summaries(await query("VEVENT", ""))).toEqual([]);
    const bad = await report(
      ada,
      collection(ada, list.id),
      `<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO"><c:time-range start="yesterday"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`,
    );
    expect(bad.status).toBe(400);
  });

  it("makes one task of concurrent uploads of one new resource or one UID, and one list of concurrent MKCALENDARs", async () => {
    const ada = await person(t, origin);
    const list = await makeList(ada, "Retries");
    const path = collection(ada, list.id);
    const body = vtodo("UID:retried-1", "DTSTAMP:20261201T100000Z", "SUMMARY:Retried");
    const same = await Promise.all(
      Array.from({ length: 6 }, () => put(ada, `${path}retried.ics`, body)),
    );
    expect(same.map((answer) => answer.status).sort()).toEqual([201, 204, 204, 204, 204, 204]);
    const names = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        put(
          ada,
          `${path}twin-${i}.ics`,
          vtodo("UID:twin-1", "DTSTAMP:20261201T100000Z", "SUMMARY:Twin"),
        ),
      ),
    );
    expect(names.map((answer) => answer.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    expect((await tasksOf(ada, list.id)).map((task) => task.title).sort()).toEqual([
      "Retried",
      "Twin",
    ]);

    const made = await Promise.all(
      Array.from({ length: 4 }, () =>
        davRequest(origin, ada, "MKCALENDAR", `/dav/calendars/${ada.id}/errands/`),
      ),
    );
    expect(made.map((answer) => answer.status).sort()).toEqual([201, 405, 405, 405]);
  });
});
