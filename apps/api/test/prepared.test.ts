import { sql } from "drizzle-orm";
import { task } from "@taskbridge/db/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { TaskRepository } from "../src/repositories/tasks.ts";
import { LIST_NEWEST, taskFromRow } from "../src/repositories/task-statements.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";

const database = await useTestDatabase();
let t: TestApp;
let owner: string;
let other: string;
const repository = () => new TaskRepository(t.db);
const plain = { status: "all", sort: "-created", limit: 50, cursor: undefined } as const;

beforeAll(async () => {
  // No reminder sender: the fixtures' reminders are long due, and sending one would change the
  // row between the two reads each test compares.
  t = await buildTestApp({ databaseUrl: database.url, mode: "hs256", sendReminders: false });
  owner = await t.createUser();
  other = await t.createUser();
  // Values at the edges of what each column holds: years 0001, 1000 and 9999, whole seconds and
  // milliseconds, midnight, empty and repeated tags, every field set or none.
  await t.db.insert(task).values([
    { userId: owner, title: "Bare" },
    {
      userId: owner,
      title: "Everything",
      description: "All the fields",
      completed: true,
      priority: "high",
      dueDate: "0001-01-01",
      dueTime: "00:00",
      tags: ["a", "b c", "ünï"],
      recurrence: "FREQ=WEEKLY;BYDAY=MO",
      remindAt: new Date("1000-01-01T00:00:00.000Z"),
      remindedAt: new Date("2026-03-01T12:34:56.789Z"),
      createdAt: new Date("2026-03-01T00:00:00.000Z"),
      updatedAt: new Date("9999-12-31T23:59:59.999Z"),
    },
    {
      userId: owner,
      title: "Late",
      dueDate: "9999-12-31",
      dueTime: "23:59",
      remindAt: new Date("2026-03-01T08:30:00.120Z"),
      createdAt: new Date("2026-03-01T00:00:00.005Z"),
    },
    { userId: other, title: "Someone else's" },
  ]);
  const [parent] = await t.db
    .select({ id: task.id })
    .from(task)
    .where(sql`${task.title} = 'Everything'`);
  await t.db.insert(task).values({ userId: owner, title: "Next", previousId: parent?.id });
});
afterAll(() => t.close());

/** The built statement's rows, as the API writes them. */
async function built(userId: string, options: Parameters<TaskRepository["listQuery"]>[1]) {
  const query = await repository().listQuery(userId, options);
  if (!query) throw new Error("no list");
  return (await t.db.execute(query)).rows.map(taskFromRow);
}

describe("prepared statements", () => {
  it("list the default page exactly as the built statement does", async () => {
    const rows = await built(owner, plain);
    expect(rows).toHaveLength(4);
    expect(await repository().page(owner, plain)).toEqual(rows);
  });

  it("find each task exactly as the built statement reads it, only for a member of its list", async () => {
    for (const row of await built(owner, plain)) {
      expect(await repository().findTask(owner, row.id)).toEqual(row);
      expect(await repository().findTask(other, row.id)).toBeNull();
    }
  });

  it("write a reminder in year 0001 as year 0001", async () => {
    const [row] = await t.db
      .insert(task)
      .values({ userId: other, title: "Ancient", remindAt: new Date("0001-01-01T00:00:00.000Z") })
      .returning({ id: task.id });
    if (!row) throw new Error("no task");
    const found = await repository().findTask(other, row.id);
    expect(found?.remind_at).toBe("0001-01-01T00:00:00.000Z");
  });

  it("toggle a task that does not recur for a member only, and write it as a read does", async () => {
    const [row] = await built(owner, { ...plain, q: "Late" });
    if (!row) throw new Error("no task");
    const refused = await repository().toggle(other, row.id);
    expect(refused.kind).toBe("not-found");
    const result = await repository().toggle(owner, row.id);
    if (result.kind !== "ok") throw new Error(result.kind);
    expect(result.task).toEqual(await repository().findTask(owner, row.id));
    expect(result.task.completed).toBe(true);
    const set = await repository().toggle(owner, row.id, true);
    expect(set.kind === "ok" && set.task.completed).toBe(true);
  });

  it("create a task in the Inbox and write it as a read reads it back", async () => {
    const created = await repository().create(owner, {
      title: "Created",
      description: null,
      tags: ["x"],
      due_date: "2026-02-28",
      due_time: "07:05",
      recurrence: "FREQ=DAILY",
      remind_at: "2026-02-28T06:05:00.000Z",
    });
    if (created.kind !== "ok") throw new Error(created.kind);
    expect(created.task).toEqual(await repository().findTask(owner, created.task.id));
    expect(created.task.remind_at).toBe("2026-02-28T06:05:00.000Z");
    expect(created.task.list_id).toBe(await repository().inboxOf(owner));
    expect(created.task.created_by).toBe(owner);
  });

  it("read the default page off each list's index, reading no more than a page per list", async () => {
    const many = await t.createUser();
    await t.pool.query(
      `insert into task (user_id, title, created_at)
       select $1, 'Many ' || n, now() - n * interval '1 second' from generate_series(1, 5000) n`,
      [many],
    );
    // Both tables the statement reads are analyzed here, so its plan does not hang on whether
    // anything (autovacuum, an earlier ANALYZE) has given list_member statistics yet. Never
    // analyzed, it is planned as ten pages (an index scan by user); with statistics, as the few
    // rows it holds (a Seq Scan, the better plan for three rows), and a check for no Seq Scan
    // anywhere failed. What matters is that the tasks are read off the index, a page a list.
    await t.pool.query("analyze task, list_member");
    const result = await t.pool.query<{ "QUERY PLAN": string }>(
      `explain (analyze, costs off, timing off, summary off) ${LIST_NEWEST.text}`,
      [many, 21],
    );
    const text = result.rows.map((row) => row["QUERY PLAN"]).join("\n");
    expect(text, text).toMatch(/Index (Only )?Scan Backward using task_list_created_idx/);
    expect(text, text).not.toMatch(/Seq Scan on task\b/);
    // The index scan stops after one page: the cost does not grow with the 5,000 tasks.
    const scanned =
      /Index (?:Only )?Scan Backward using task_list_created_idx.*\(actual rows=(\d+)/.exec(text);
    expect(Number(scanned?.[1]), text).toBeLessThanOrEqual(21);
  });
});
