// Todoist's CSV both ways over real HTTP, on a real database, with real signed tokens. The
// fixtures under fixtures/todoist were written for these tests.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { TodoistReportSchema, type TodoistReport } from "@taskbridge/shared/export";
import { ListSchema, type List } from "@taskbridge/shared/list";
import type { Task, TaskCreate } from "@taskbridge/shared/task";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { ApiClient, listen } from "./support/http.ts";
import { peakHeldDuring, uploadFromAnotherProcess } from "./support/upload.ts";

const database = await useTestDatabase();
let t: TestApp;
let origin: string;

beforeAll(async () => {
  t = await buildTestApp({ databaseUrl: database.url, mode: "hs256" });
  origin = await listen(t.app);
});
afterAll(() => t.close());

const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/todoist/${name}`, import.meta.url));

interface Person {
  id: string;
  token: string;
  api: ApiClient;
}

async function person(): Promise<Person> {
  const id = await t.createUser();
  const token = await t.tokenFor(id);
  return { id, token, api: new ApiClient(origin, () => token) };
}

async function createList(owner: Person, name: string): Promise<List> {
  return (await owner.api.expect(201, ListSchema, "POST", "/api/lists", { name, color: "blue" }))
    .data;
}

/** The import day and zone of the tests: Wednesday 25 November 2026 in Berlin. */
const QUERY = "today=2026-11-25&tz=Europe/Berlin";

async function upload(
  who: Person,
  listId: string,
  body: Buffer | string,
  { query = QUERY, type = "text/csv" }: { query?: string; type?: string } = {},
) {
  const response = await fetch(`${origin}/api/lists/${listId}/import/todoist?${query}`, {
    method: "POST",
    headers: { authorization: `Bearer ${who.token}`, "content-type": type },
    body,
  });
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    body: (await response.json()) as { detail?: string } & Record<string, unknown>,
  };
}

async function importOk(who: Person, listId: string, body: Buffer | string, query = QUERY) {
  const answer = await upload(who, listId, body, { query });
  if (answer.status !== 200)
    throw new Error(`import: ${answer.status} ${JSON.stringify(answer.body)}`);
  return TodoistReportSchema.parse(answer.body);
}

async function tasksOf(who: Person, listId: string): Promise<Task[]> {
  return who.api.walk(`list=${listId}&status=all&sort=created&limit=100`);
}

/** Tasks by title, with each one's parent as a title: what the tests compare field by field. */
function byTitle(tasks: Task[]) {
  const titles = new Map(tasks.map((one) => [one.id, one.title]));
  return new Map(
    tasks.map((one) => [
      one.title,
      {
        description: one.description,
        priority: one.priority,
        tags: one.tags,
        due_date: one.due_date,
        due_time: one.due_time,
        recurrence: one.recurrence,
        parent: one.parent_id === null ? null : (titles.get(one.parent_id) ?? "?"),
        completed: one.completed,
      },
    ]),
  );
}

/** The date of `zone` now, as `YYYY-MM-DD`. */
const todayIn = (zone: string) =>
  new Intl.DateTimeFormat("en-CA", { timeZone: zone }).format(new Date());

/** The caller's rows, counted: what an import refused must leave as it was. */
async function countsOf(who: Person) {
  const { rows } = await t.pool.query<{ lists: number; tasks: number }>(
    `select (select count(*)::int from list where owner_id = $1) as lists,
            (select count(*)::int from task where user_id = $1) as tasks`,
    [who.id],
  );
  return rows[0];
}

describe("importing Todoist's CSV", () => {
  it("reads the current template field by field: sections, notes, labels, INDENT 1-4, priorities, dates", async () => {
    const ada = await person();
    const home = await createList(ada, "Home");
    const report = await importOk(ada, home.id, fixture("current.csv"));
    const tasks = byTitle(await tasksOf(ada, home.id));

    expect([...tasks.keys()]).toEqual([
      "Pay rent",
      "Call plumber",
      "Fix sink",
      "Buy washer",
      'Size: 1/2", rubber',
      "Water plants",
      "Plant bulbs",
      "Sort seeds",
      "Call Auckland office",
      "Renew insurance",
    ]);
    expect(tasks.get("Pay rent")).toEqual({
      description: 'Transfer to "Landlord Ltd", ref 42\n\nAccount: DE00 1234, IBAN\nsecond line',
      priority: "high",
      tags: ["home", "money"],
      due_date: "2026-12-01",
      due_time: null,
      recurrence: "FREQ=MONTHLY",
      parent: null,
      completed: false,
    });
    expect(tasks.get("Call plumber")).toMatchObject({
      priority: "high",
      due_date: "2026-11-26",
      due_time: "17:00",
      recurrence: null,
      parent: null,
    });
    expect(tasks.get("Fix sink")).toMatchObject({
      description: "Under the sink, left side",
      priority: "medium",
      parent: "Call plumber",
      due_date: null,
    });
    expect(tasks.get("Buy washer")).toMatchObject({ priority: "medium", parent: "Fix sink" });
    expect(tasks.get('Size: 1/2", rubber')).toMatchObject({ parent: "Buy washer", tags: [] });
    expect(tasks.get("Water plants")).toEqual({
      description: null,
      priority: "medium",
      tags: ["Garden", "outside"],
      due_date: "2026-11-27",
      due_time: null,
      recurrence: "FREQ=WEEKLY;BYDAY=FR",
      parent: null,
      completed: false,
    });
    expect(tasks.get("Plant bulbs")).toMatchObject({
      priority: "medium",
      tags: ["Garden"],
      due_date: "2026-12-24",
    });
    expect(tasks.get("Sort seeds")).toMatchObject({
      description: "Due: when pigs fly",
      due_date: null,
      tags: ["Garden"],
    });
    // A row's own TIMEZONE: "today" is the date in Auckland now, whatever `today` says.
    expect(tasks.get("Call Auckland office")?.due_date).toBe(todayIn("Pacific/Auckland"));
    // A DEADLINE with no DATE is the due date.
    expect(tasks.get("Renew insurance")).toMatchObject({ due_date: "2027-01-15", due_time: null });

    expect(report).toEqual({
      created: 10,
      subtasks: 3,
      skipped: [
        { row: 14, reason: expect.stringContaining('"when pigs fly" could not be read') },
        { row: 15, reason: "A task without a title (CONTENT is empty)" },
        { row: 16, reason: expect.stringContaining('Unknown TYPE "reminder"') },
      ],
    } satisfies TodoistReport);
  });

  it("reads the legacy eight-column template alike", async () => {
    const ada = await person();
    const home = await createList(ada, "Home");
    const report = await importOk(ada, home.id, fixture("legacy.csv"));
    const tasks = byTitle(await tasksOf(ada, home.id));
    expect(report.created).toBe(8);
    expect(report.subtasks).toBe(3);
    expect(report.skipped.map((one) => one.row)).toEqual([12]);
    expect(tasks.get("Pay rent")).toMatchObject({
      description: "Account: DE00 1234, IBAN\nsecond line",
      priority: "high",
      tags: ["home", "money"],
      due_date: "2026-12-01",
      recurrence: "FREQ=MONTHLY",
    });
    expect(tasks.get("Call plumber")).toMatchObject({ due_date: "2026-11-26", due_time: "17:00" });
    expect(tasks.get("Buy washer")?.parent).toBe("Fix sink");
    expect(tasks.get('Size: 1/2", rubber')?.parent).toBe("Buy washer");
    expect(tasks.get("Water plants")).toMatchObject({
      tags: ["Garden", "outside"],
      recurrence: "FREQ=WEEKLY;BYDAY=FR",
      due_date: "2026-11-27",
    });
    expect(tasks.get("Sort seeds")?.description).toBe("Due: when pigs fly");
  });

  it("takes the columns in any order, and the fourteen-column template", async () => {
    const ada = await person();
    const list = await createList(ada, "Order");
    const csv = [
      "DATE,INDENT,PRIORITY,CONTENT,TYPE,DESCRIPTION,DATE_LANG,TIMEZONE,AUTHOR,RESPONSIBLE,DURATION,DURATION_UNIT,DEADLINE,DEADLINE_LANG",
      "Dec 24,1,1,Wrap presents @xmas,task,Paper and tape,en,,,,,,,",
      ",2,4,Buy tape,task,,,,,,,,,",
    ].join("\n");
    const report = await importOk(ada, list.id, csv);
    expect(report).toEqual({ created: 2, subtasks: 1, skipped: [] });
    const tasks = byTitle(await tasksOf(ada, list.id));
    expect(tasks.get("Wrap presents")).toMatchObject({
      description: "Paper and tape",
      priority: "high",
      tags: ["xmas"],
      due_date: "2026-12-24",
    });
    expect(tasks.get("Buy tape")).toMatchObject({ parent: "Wrap presents", priority: "medium" });
  });

  it("reads relative dates on the given day in the given zone, and in UTC without them", async () => {
    const ada = await person();
    const list = await createList(ada, "Dates");
    const csv = "TYPE,CONTENT,DATE\ntask,One,tomorrow 9am\n";
    await importOk(ada, list.id, csv, "today=2027-02-28&tz=America/New_York");
    await importOk(ada, list.id, csv.replace("One", "Two"), "");
    const tasks = byTitle(await tasksOf(ada, list.id));
    expect(tasks.get("One")).toMatchObject({ due_date: "2027-03-01", due_time: "09:00" });
    const tomorrowUtc = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    expect(tasks.get("Two")?.due_date).toBe(tomorrowUtc);
  });
});

describe("exporting a list as Todoist's CSV", () => {
  it("round-trips titles, descriptions, tags, priorities, dates, recurrence and nesting", async () => {
    const ada = await person();
    const source = await createList(ada, "Trip, “summer” 2027");
    const make = (body: TaskCreate) => ada.api.create({ list_id: source.id, ...body });
    const top = await make({
      title: "Book flights",
      description: 'Window seat, "aisle" if not\nsecond line',
      priority: "high",
      tags: ["travel", "money"],
      due_date: "2027-06-01",
      due_time: "08:30",
    });
    const sub = await make({ title: "Compare prices", parent_id: top.id, priority: "low" });
    await make({ title: "Check airlines", parent_id: sub.id, due_date: "2027-05-20" });
    await make({
      title: "Water plants",
      recurrence: "FREQ=WEEKLY;BYDAY=MO,TH",
      due_date: "2027-05-03",
    });
    await make({
      title: "Pay deposit",
      recurrence: "FREQ=MONTHLY;INTERVAL=2",
      due_date: "2027-01-31",
    });
    await make({
      title: "Workout",
      recurrence: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
      due_date: "2027-05-04",
      due_time: "07:00",
    });
    await make({ title: "Renew passport", recurrence: "FREQ=YEARLY", due_date: "2027-04-10" });
    await make({ title: "Stretch", recurrence: "FREQ=DAILY;INTERVAL=3", due_date: "2027-04-11" });
    const done = await make({ title: "Already done" });
    await ada.api.update(done.id, { completed: true });

    const response = await fetch(`${origin}/api/lists/${source.id}/export.csv`, {
      headers: { authorization: `Bearer ${ada.token}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toBe(
      `attachment; filename="Trip, ?summer? 2027.csv"; filename*=UTF-8''Trip%2C%20%E2%80%9Csummer%E2%80%9D%202027.csv`,
    );
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const text = bytes.toString("utf8").slice(1);
    expect(text.split("\r\n")[0]).toBe(
      "TYPE,CONTENT,DESCRIPTION,PRIORITY,INDENT,AUTHOR,RESPONSIBLE,DATE,DATE_LANG,TIMEZONE,DURATION,DURATION_UNIT,DEADLINE,DEADLINE_LANG",
    );
    expect(text).not.toContain("Already done");

    const target = await createList(ada, "Trip again");
    // Any day and zone: the dates were written as absolute ones.
    const report = await importOk(ada, target.id, bytes, "today=2030-01-01&tz=Asia/Tokyo");
    expect(report).toEqual({ created: 8, subtasks: 2, skipped: [] });
    const before = byTitle((await tasksOf(ada, source.id)).filter((one) => !one.completed));
    const after = byTitle(await tasksOf(ada, target.id));
    // Low comes back as medium: Todoist has nothing lower than its default.
    const low = before.get("Compare prices");
    if (low) before.set("Compare prices", { ...low, priority: "medium" });
    expect(after).toEqual(before);
  });

  it("answers 404 for a list the caller is not in or an id that is not one", async () => {
    const [ada, eve] = [await person(), await person()];
    const list = await createList(ada, "Private");
    for (const id of [list.id, "not-a-uuid"]) {
      const answer = await eve.api.request("GET", `/api/lists/${id}/export.csv`);
      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({ detail: "List not found" });
    }
  });
});

describe("files that are refused", () => {
  const spreadsheet = Buffer.concat([
    Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]),
    Buffer.from("[Content_Types].xml"),
  ]);
  const header =
    "TYPE,CONTENT,DESCRIPTION,PRIORITY,INDENT,AUTHOR,RESPONSIBLE,DATE,DATE_LANG,TIMEZONE\n";
  const cases: Array<[string, Buffer | string, RegExp]> = [
    ["a JSON file", JSON.stringify({ format: "taskbridge", lists: [] }), /is JSON, not a CSV/],
    ["a spreadsheet", spreadsheet, /spreadsheet or another packed file, not a CSV/],
    ["an empty file", "", /file is empty/],
    ["blank rows only", "\r\n,,,\r\n\r\n", /file is empty/],
    [
      "a header without CONTENT",
      "TYPE,TITLE,PRIORITY\ntask,Milk,1\n",
      /Not a Todoist CSV: the first row must name the columns TYPE and CONTENT \(it has TYPE, TITLE, PRIORITY\)/,
    ],
    [
      "a field whose quote never closes",
      `${header}task,"Milk,,1,1,,,,,\n`,
      /closing quote is missing/,
    ],
    ["a stray quote", `${header}task,Mi"lk"x,,1\n`, /Row 2 is not valid CSV/],
    ["over 5,000 rows", header + "task,Milk,,4,1,,,,,\n".repeat(5001), /more than 5,000 rows/],
    [
      "over 5 MB",
      header + `task,Milk,"${"x".repeat(1500)}",4,1,,,,,\n`.repeat(6000),
      /larger than 5 MB/,
    ],
  ];

  it.each(cases)(
    "refuses %s with a 422 naming the problem, creating nothing",
    async (_name, body, detail) => {
      const ada = await person();
      const list = await createList(ada, "Target");
      await ada.api.create({ title: "Already here", list_id: list.id });
      const before = await countsOf(ada);
      const answer = await upload(ada, list.id, body);
      expect(answer.status).toBe(422);
      expect(answer.type).toMatch(/^application\/problem\+json/);
      expect(answer.body.detail).toMatch(detail);
      expect(await countsOf(ada)).toEqual(before);
    },
  );

  it("refuses a bad zone or day in the query with a 422, creating nothing", async () => {
    const ada = await person();
    const list = await createList(ada, "Target");
    const before = await countsOf(ada);
    for (const [query, detail] of [
      ["tz=Mars/Olympus", /tz: Must be an IANA time zone/],
      ["today=2026-13-40", /today/],
    ] as const) {
      const answer = await upload(ada, list.id, "TYPE,CONTENT\ntask,Milk\n", { query });
      expect(answer.status).toBe(422);
      expect(answer.body.detail).toMatch(detail);
    }
    expect(await countsOf(ada)).toEqual(before);
  });

  it("refuses a 6 MB file, sent with or without a length, without holding it", async () => {
    const head = header;
    const row = `task,Milk,"${"x".repeat(1500)}",4,1,,,,,\n`;
    const expected = { status: 422, detail: expect.stringMatching(/larger than 5 MB/) };
    const ada = await person();
    const list = await createList(ada, "Target");
    const chunks = Math.ceil((6 * 1024 * 1024) / row.length);
    for (const chunked of [false, true]) {
      const { result: answer, peak } = await peakHeldDuring(() =>
        uploadFromAnotherProcess({
          url: `${origin}/api/lists/${list.id}/import/todoist?${QUERY}`,
          headers: {
            authorization: `Bearer ${ada.token}`,
            "content-type": "text/csv",
            ...(chunked ? {} : { "content-length": String(head.length + chunks * row.length) }),
          },
          head,
          row,
          rows: chunks,
        }),
      );
      // The status is checked unless the reset of the closed connection beat it to the client
      // (the other tests of the limits read it every time).
      if ("reset" in answer) console.log(`the connection was reset first (${answer.reset})`);
      else expect(answer).toEqual(expected);
      console.log(
        `6 MB upload (${chunked ? "chunked" : "with a length"}): peak held ${(peak / 1048576).toFixed(2)} MiB`,
      );
      // A declared length over the limit is refused before a byte is read; a chunked upload is
      // written to disk as it arrives and refused when it passes the limit, its rows never read.
      // Either way the process holds little more than the chunks in flight, far below 5 MB.
      expect(peak).toBeLessThan(1.5 * 1024 * 1024);
      expect(await countsOf(ada)).toEqual({ lists: 2, tasks: 0 });
    }
  });
});

describe("who may import", () => {
  async function share(owner: Person, member: Person, listId: string, role: "editor" | "viewer") {
    const invite = await owner.api.expect(
      201,
      z.object({ token: z.string() }).passthrough(),
      "POST",
      `/api/lists/${listId}/invites`,
      { role },
    );
    await member.api.expect(200, ListSchema, "POST", `/api/invites/${invite.data.token}/accept`);
  }

  it("lets an editor import into the owner's list, refuses a viewer (403) and a stranger (404)", async () => {
    const [ada, ben, vic, eve] = [await person(), await person(), await person(), await person()];
    const list = await createList(ada, "Shared");
    await share(ada, ben, list.id, "editor");
    await share(ada, vic, list.id, "viewer");
    const csv = "TYPE,CONTENT\ntask,From Ben\n";

    expect(await importOk(ben, list.id, csv)).toMatchObject({ created: 1 });
    const [made] = await tasksOf(ada, list.id);
    expect(made).toMatchObject({ title: "From Ben", user_id: ada.id, created_by: ben.id });

    const before = [await countsOf(ada), await countsOf(vic), await countsOf(eve)];
    const viewer = await upload(vic, list.id, csv);
    expect(viewer.status).toBe(403);
    expect(viewer.body.detail).toBe("You can view this list but not change it");
    expect((await upload(eve, list.id, csv)).status).toBe(404);
    expect((await upload(eve, "not-a-list", csv)).status).toBe(404);
    expect([await countsOf(ada), await countsOf(vic), await countsOf(eve)]).toEqual(before);
    // A viewer may still take the list out.
    const exported = await fetch(`${origin}/api/lists/${list.id}/export.csv`, {
      headers: { authorization: `Bearer ${vic.token}` },
    });
    expect(exported.status).toBe(200);
    expect(await exported.text()).toContain("From Ben");
  });

  it("refuses an import without a token before reading the file", async () => {
    const ada = await person();
    const list = await createList(ada, "Mine");
    const response = await fetch(`${origin}/api/lists/${list.id}/import/todoist`, {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: "TYPE,CONTENT\ntask,Sneaky\n",
    });
    expect(response.status).toBe(401);
    expect((await countsOf(ada))?.tasks).toBe(0);
  });
});
