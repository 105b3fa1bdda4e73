// Recurring tasks over real HTTP: each completion, by any route, makes exactly one next occurrence.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { TaskSchema, type TaskCreate } from "@taskbridge/shared/task";
import type { Task } from "@taskbridge/shared/task-rules";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { ApiClient, listen } from "./support/http.ts";

const database = await useTestDatabase();
let t: TestApp;
let user: string;
let api: ApiClient;

beforeAll(async () => {
  t = await buildTestApp({ databaseUrl: database.url, mode: "hs256" });
  user = await t.createUser();
  api = new ApiClient(await listen(t.app), () => t.tokenFor(user));
});
afterAll(() => t.close());

type Completion = "complete" | "set-complete" | "toggle" | "put" | "patch";
const completions: Record<Completion, (id: string) => [string, string, unknown?]> = {
  complete: (id) => ["PATCH", `/api/tasks/${id}/complete`],
  "set-complete": (id) => ["PATCH", `/api/tasks/${id}/complete`, { completed: true }],
  toggle: (id) => ["POST", `/api/tasks/${id}/toggle`],
  put: (id) => ["PUT", `/api/tasks/${id}`, { completed: true }],
  patch: (id) => ["PATCH", `/api/tasks/${id}`, { completed: true }],
};

/** Completes a task and returns the next occurrence the answer links to, if any. */
async function complete(task: Task, how: Completion = "complete"): Promise<Task | null> {
  const [method, path, body] = completions[how](task.id);
  const answer = await api.expect(200, TaskSchema, method, path, body);
  expect(answer.data.completed).toBe(true);
  const link = answer.headers.get("link");
  if (!link) return null;
  const match = /^<\/api\/tasks\/([0-9a-f-]{36})>; rel="next-occurrence"$/.exec(link);
  if (!match?.[1]) throw new Error(`unexpected Link: ${link}`);
  return api.get(match[1]);
}

/** The due dates of a series, completing each occurrence in turn (at most `max`). */
async function series(input: TaskCreate, max: number, how: Completion[] = ["complete"]) {
  let task: Task | null = await api.create(input);
  const dates: string[] = [];
  for (let i = 0; task && i < max; i++) {
    dates.push(task.due_date ?? "none");
    task = await complete(task, how[i % how.length]);
  }
  return dates;
}

describe("the next occurrence", () => {
  it("DAILY: the next day, a copy of the task, linked to the one completed", async () => {
    const first = await api.create({
      title: "Water the plants",
      description: "Balcony too",
      priority: "high",
      tags: ["Home"],
      due_date: "2026-03-10",
      due_time: "07:30",
      recurrence: "FREQ=DAILY",
    });
    const next = await complete(first);
    expect(next).toMatchObject({
      title: "Water the plants",
      description: "Balcony too",
      priority: "high",
      tags: ["Home"],
      due_date: "2026-03-11",
      due_time: "07:30",
      recurrence: "FREQ=DAILY",
      completed: false,
      previous_id: first.id,
    });
    expect(next?.id).not.toBe(first.id);
  });

  it("WEEKLY with INTERVAL and BYDAY, completed by every route", async () => {
    const dates = await series(
      { title: "Gym", due_date: "2026-03-02", recurrence: "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH" },
      5,
      ["toggle", "put", "patch", "set-complete", "complete"],
    );
    expect(dates).toEqual(["2026-03-02", "2026-03-05", "2026-03-16", "2026-03-19", "2026-03-30"]);
  });

  it("MONTHLY on the last day: Jan 31, Feb 28, Mar 31, and Feb 29 in a leap year", async () => {
    expect(
      await series(
        { title: "Rent", due_date: "2026-01-31", recurrence: "FREQ=MONTHLY;BYMONTHDAY=-1" },
        4,
      ),
    ).toEqual(["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"]);
    expect(
      await series(
        { title: "Rent", due_date: "2028-01-31", recurrence: "FREQ=MONTHLY;BYMONTHDAY=-1" },
        2,
      ),
    ).toEqual(["2028-01-31", "2028-02-29"]);
  });

  it("YEARLY on Feb 29: the next leap year", async () => {
    expect(
      await series({ title: "Leap", due_date: "2024-02-29", recurrence: "FREQ=YEARLY" }, 3),
    ).toEqual(["2024-02-29", "2028-02-29", "2032-02-29"]);
  });

  it("COUNT and UNTIL end the series: no next occurrence, no Link", async () => {
    expect(
      await series(
        { title: "Thrice", due_date: "2026-03-10", recurrence: "FREQ=DAILY;COUNT=3" },
        10,
      ),
    ).toEqual(["2026-03-10", "2026-03-11", "2026-03-12"]);
    expect(
      await series(
        { title: "Until", due_date: "2026-03-10", recurrence: "FREQ=WEEKLY;UNTIL=20260324" },
        10,
      ),
    ).toEqual(["2026-03-10", "2026-03-17", "2026-03-24"]);
  });

  it("moves the reminder by as many days as the due date", async () => {
    // In the future, so that no reminder is sent while the test reads it.
    const first = await api.create({
      title: "Report",
      due_date: "2030-01-31",
      recurrence: "FREQ=MONTHLY;BYMONTHDAY=-1",
      remind_at: "2030-01-30T17:00:00+01:00",
    });
    const next = await complete(first);
    expect(next).toMatchObject({
      due_date: "2030-02-28",
      remind_at: "2030-02-27T16:00:00.000Z",
      reminded_at: null,
    });
  });

  it("a task that does not recur makes nothing and links nothing", async () => {
    const once = await api.create({ title: "Once", due_date: "2026-03-10" });
    expect(await complete(once)).toBeNull();
  });
});

describe("at most one next occurrence", () => {
  const successors = async (id: string) =>
    (await api.walk("status=all&limit=500")).filter((task) => task.previous_id === id);

  it("however often the task is toggled: the same one is linked again", async () => {
    const task = await api.create({
      title: "Toggle me",
      due_date: "2026-03-10",
      recurrence: "FREQ=DAILY",
    });
    const first = await complete(task);
    await api.expect(200, TaskSchema, "PATCH", `/api/tasks/${task.id}/complete`, {
      completed: false,
    });
    const again = await complete(task, "toggle");
    expect(again?.id).toBe(first?.id);
    expect(await successors(task.id)).toHaveLength(1);
  });

  it("however many completions race: 20 at once make exactly one", async () => {
    const task = await api.create({
      title: "Race",
      due_date: "2026-03-10",
      recurrence: "FREQ=DAILY",
    });
    const routes: Completion[] = ["set-complete", "put", "patch"];
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => {
        const [method, path, body] = completions[routes[i % routes.length] ?? "put"](task.id);
        return api.request(method, path, body);
      }),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 20 }, () => 200));
    const links = new Set(answers.map((answer) => answer.headers.get("link")).filter(Boolean));
    expect(links.size).toBe(1);
    const made = await successors(task.id);
    expect(made).toHaveLength(1);
    expect(z.array(TaskSchema).parse(made)[0]?.due_date).toBe("2026-03-11");
  });
});

describe("the rule", () => {
  it.each([
    ["FREQ=HOURLY", "not a supported frequency"],
    ["FREQ=DAILY;BYHOUR=9", "a part outside the subset"],
    ["FREQ=DAILY;INTERVAL=0", "an interval below 1"],
    ["FREQ=DAILY;INTERVAL=366", "an interval above 365"],
    ["FREQ=DAILY;COUNT=1001", "a count above 1000"],
    ["FREQ=DAILY;COUNT=2;UNTIL=20270101", "COUNT with UNTIL"],
    ["FREQ=DAILY;BYDAY=MO", "BYDAY without WEEKLY"],
    ["FREQ=WEEKLY;BYDAY=XX", "an unknown day"],
    ["FREQ=WEEKLY;BYDAY=1MO", "a numbered day"],
    ["FREQ=MONTHLY;BYMONTHDAY=32", "a month day past 31"],
    ["FREQ=MONTHLY;BYMONTHDAY=-2", "a month day from the end other than -1"],
    ["FREQ=DAILY;UNTIL=soon", "an UNTIL that is no date"],
    ["FREQ=DAILY;FREQ=WEEKLY", "a part twice"],
    ["RRULE:FREQ=DAILY", "a prefix"],
    ["DTSTART:20260101\nRRULE:FREQ=DAILY", "a DTSTART line"],
    ["freq=daily", "lower case"],
    ["", "nothing"],
  ])("refuses %s (%s) with 422 naming recurrence", async (recurrence) => {
    const problem = await api.problem(422, "POST", "/api/tasks", {
      title: "x",
      due_date: "2026-03-10",
      recurrence,
    });
    expect(problem.errors?.map((error) => error.field)).toEqual(["recurrence"]);
  });

  it("needs a due date, on create and on update", async () => {
    const problem = await api.problem(422, "POST", "/api/tasks", {
      title: "x",
      recurrence: "FREQ=DAILY",
    });
    expect(problem.errors).toEqual([
      { field: "recurrence", message: "A recurring task needs a due_date" },
    ]);
    const undated = await api.create({ title: "Undated" });
    const onUpdate = await api.problem(422, "PATCH", `/api/tasks/${undated.id}`, {
      recurrence: "FREQ=DAILY",
    });
    expect(onUpdate.errors?.map((error) => error.field)).toEqual(["recurrence"]);
    expect((await api.get(undated.id)).recurrence).toBeNull();
    const recurring = await api.create({
      title: "R",
      due_date: "2026-03-10",
      recurrence: "FREQ=DAILY",
    });
    await api.problem(422, "PUT", `/api/tasks/${recurring.id}`, { due_date: null });
    expect((await api.get(recurring.id)).due_date).toBe("2026-03-10");
  });

  it("ignores previous_id and reminded_at sent back, as every read-only field", async () => {
    const task = await api.create({ title: "Read-only", due_date: "2026-03-10" });
    const sentBack = await api.expect(200, TaskSchema, "PUT", `/api/tasks/${task.id}`, {
      ...task,
      previous_id: "0193a5b2-7c1e-7d2a-9b1f-2c3d4e5f6a7b",
      reminded_at: "2026-01-01T00:00:00Z",
    });
    expect(sentBack.data).toMatchObject({ previous_id: null, reminded_at: null });
  });
});
