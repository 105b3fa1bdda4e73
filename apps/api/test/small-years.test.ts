// Dates and times in the years 0001 to 0099, which the contract accepts (PostgreSQL holds years
// 0001 to 9999), over real HTTP: JavaScript reads a two-digit year in a date string as 19xx or
// 20xx (`new Date("0050-01-01 00:00:00+00")` is 1950), and so does rrule with its own dates, so
// every place a stored date or time is read back is tried at the ends of the range.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ListSchema } from "@taskbridge/shared/list";
import { TaskSchema, TaskStatsSchema, type TaskCreate } from "@taskbridge/shared/task";
import type { Task } from "@taskbridge/shared/task-rules";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { ApiClient, listen } from "./support/http.ts";

const database = await useTestDatabase();
let t: TestApp;
let user: string;
let api: ApiClient;
let listId: string;

/** The ends of the range and both sides of the two-digit years. */
const DATES = ["0001-01-01", "0099-12-31", "0100-01-01", "9999-12-31"] as const;
const INSTANTS = [
  "0001-01-01T00:00:00.000Z",
  "0099-12-31T23:59:59.999Z",
  "0100-01-01T00:00:00.000Z",
  "9999-12-31T23:59:59.999Z",
] as const;

beforeAll(async () => {
  // Reminders are sent, as in production: every past one fires at once.
  t = await buildTestApp({ databaseUrl: database.url, mode: "hs256" });
  user = await t.createUser();
  api = new ApiClient(await listen(t.app), () => t.tokenFor(user));
  listId = (await api.expect(201, ListSchema, "POST", "/api/lists", { name: "Antiquity" })).data.id;
});
afterAll(() => t.close());

const ids = (tasks: Task[]) => tasks.map((task) => task.id);

/** Reads a task until `done` holds for it (a reminder being sent), within a few seconds. */
async function until(id: string, done: (task: Task) => boolean): Promise<Task> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const task = await api.get(id);
    if (done(task)) return task;
    if (Date.now() > deadline) throw new Error(`never: ${JSON.stringify(task)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("dates and reminders in the years 0001 to 9999", () => {
  /** One task per boundary, in the Inbox and in a list (the two ways a task is written). */
  const made: Task[] = [];

  beforeAll(async () => {
    for (const [i, dueDate] of DATES.entries()) {
      for (const where of [{}, { list_id: listId }]) {
        const input: TaskCreate = {
          title: `Due ${dueDate}`,
          due_date: dueDate,
          due_time: "23:59",
          remind_at: INSTANTS[i],
          ...where,
        };
        const created = await api.create(input);
        expect(created).toMatchObject({
          due_date: dueDate,
          due_time: "23:59",
          remind_at: INSTANTS[i],
        });
        made.push(created);
      }
    }
  });

  it("reads each back as written", async () => {
    for (const task of made) {
      const read = await api.get(task.id);
      expect(read.due_date).toBe(task.due_date);
      expect(read.remind_at).toBe(task.remind_at);
    }
  });

  it("lists them in date order, filters them by date, and counts them", async () => {
    const listed = await api.walk("due=any&sort=due_date&limit=3");
    expect(listed.map((task) => task.due_date)).toEqual(DATES.flatMap((date) => [date, date]));
    expect(listed.map((task) => task.remind_at)).toEqual(
      INSTANTS.flatMap((instant) => [instant, instant]),
    );
    for (const date of DATES) {
      const one = await api.list(`due_from=${date}&due_to=${date}`);
      expect(one.map((task) => task.due_date)).toEqual([date, date]);
    }
    const early = await api.list("due_to=0099-12-31&sort=-due_date&limit=500");
    expect(early.map((task) => task.due_date)).toEqual([
      "0099-12-31",
      "0099-12-31",
      "0001-01-01",
      "0001-01-01",
    ]);
    const overdue = await api.list("view=overdue&today=0100-01-01&limit=500");
    expect(overdue.map((task) => task.due_date)).toEqual([
      "0001-01-01",
      "0001-01-01",
      "0099-12-31",
      "0099-12-31",
    ]);
    const upcoming = await api.list("view=upcoming&today=0099-12-31&limit=500");
    expect(upcoming.map((task) => task.due_date)).toEqual([
      "0100-01-01",
      "0100-01-01",
      "9999-12-31",
      "9999-12-31",
    ]);
    const { data: stats } = await api.expect(
      200,
      TaskStatsSchema,
      "GET",
      "/api/tasks/stats?today=0099-12-31",
    );
    expect(stats).toMatchObject({ overdue: 2, today: 4, upcoming: 4 });
    expect(new Set(ids(await api.walk("limit=3")))).toEqual(new Set(ids(made)));
  });

  it("takes a whole task back unchanged: a sent reminder stays sent", async () => {
    for (const task of made) {
      // Every reminder but year 9999's is long due, and sent at once.
      const past = (task.remind_at ?? "") < "9999";
      const before = past ? await until(task.id, (read) => read.reminded_at !== null) : task;
      const { data: after } = await api.expect(
        200,
        TaskSchema,
        "PUT",
        `/api/tasks/${task.id}`,
        before,
      );
      expect({ ...after, updated_at: before.updated_at }).toEqual(before);
      // And it is not sent again.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await api.get(task.id)).reminded_at).toBe(before.reminded_at);
    }
  });
});

describe("recurring tasks in the years 0001 to 0100", () => {
  /** Completes `task` and returns the next occurrence its answer links to, or null. */
  async function next(task: Task): Promise<Task | null> {
    const answer = await api.expect(200, TaskSchema, "PATCH", `/api/tasks/${task.id}/complete`);
    const link = answer.headers.get("link");
    if (!link) return null;
    const id = /^<\/api\/tasks\/([0-9a-f-]{36})>; rel="next-occurrence"$/.exec(link)?.[1];
    if (!id) throw new Error(`unexpected Link: ${link}`);
    return api.get(id);
  }

  async function series(input: Omit<TaskCreate, "title">, max: number) {
    let task: Task | null = await api.create({ title: "Again", ...input });
    const seen: Array<[string | null, string | null]> = [];
    for (let i = 0; task && i < max; i++) {
      seen.push([task.due_date, task.remind_at]);
      task = await next(task);
    }
    return seen;
  }

  it.each<[string, string, string, Array<[string, string]>]>([
    [
      "DAILY",
      "FREQ=DAILY",
      "0050-01-01",
      [
        ["0050-01-01", "0050-01-01T09:00:00.000Z"],
        ["0050-01-02", "0050-01-02T09:00:00.000Z"],
        ["0050-01-03", "0050-01-03T09:00:00.000Z"],
      ],
    ],
    [
      "WEEKLY on Monday and Thursday (0001-01-01 is a Monday)",
      "FREQ=WEEKLY;BYDAY=MO,TH",
      "0001-01-01",
      [
        ["0001-01-01", "0001-01-01T09:00:00.000Z"],
        ["0001-01-04", "0001-01-04T09:00:00.000Z"],
        ["0001-01-08", "0001-01-08T09:00:00.000Z"],
      ],
    ],
    [
      "MONTHLY on the last day, across the year 0100",
      "FREQ=MONTHLY;BYMONTHDAY=-1",
      "0099-11-30",
      [
        ["0099-11-30", "0099-11-30T09:00:00.000Z"],
        ["0099-12-31", "0099-12-31T09:00:00.000Z"],
        ["0100-01-31", "0100-01-31T09:00:00.000Z"],
        // 0100 is not a leap year (divisible by 100, not by 400).
        ["0100-02-28", "0100-02-28T09:00:00.000Z"],
      ],
    ],
    [
      "YEARLY on Feb 29: the next leap year",
      "FREQ=YEARLY",
      "0096-02-29",
      [
        ["0096-02-29", "0096-02-29T09:00:00.000Z"],
        ["0104-02-29", "0104-02-29T09:00:00.000Z"],
      ],
    ],
  ])("%s", async (_name, recurrence, dueDate, expected) => {
    const seen = await series(
      { recurrence, due_date: dueDate, remind_at: `${dueDate}T09:00:00.000Z` },
      expected.length,
    );
    expect(seen).toEqual(expected);
  });

  it("UNTIL in the year 0050 ends the series there", async () => {
    const seen = await series(
      { recurrence: "FREQ=DAILY;UNTIL=00500102", due_date: "0050-01-01" },
      5,
    );
    expect(seen.map(([date]) => date)).toEqual(["0050-01-01", "0050-01-02"]);
  });
});
