import { sql } from "drizzle-orm";
import { task } from "@taskbridge/db/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { TaskRepository, toTask } from "../src/repositories/tasks.ts";
import { LIST_NEWEST } from "../src/repositories/task-statements.ts";
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

describe("prepared statements", () => {
  it("list the default page exactly as the built statement and toTask do", async () => {
    const built = (await repository().list(owner, plain)).map(toTask);
    expect(built).toHaveLength(4);
    expect(await repository().page(owner, plain)).toEqual(built);
  });

  it("find each task exactly as the built statement and toTask do, only for its owner", async () => {
    for (const row of await repository().list(owner, plain)) {
      expect(await repository().findTask(owner, row.id)).toEqual(toTask(row));
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

  it("toggle a task that does not recur for its owner only, and write it as toTask does", async () => {
    const [row] = await repository().list(owner, { ...plain, q: "Late" });
    if (!row) throw new Error("no task");
    const refused = await repository().toggle(other, row.id);
    expect(refused.kind).toBe("not-found");
    const result = await repository().toggle(owner, row.id);
    if (result.kind !== "ok") throw new Error(result.kind);
    const stored = await repository().find(owner, row.id);
    if (!stored) throw new Error("task gone");
    expect(result.task).toEqual(toTask(stored));
    expect(result.task.completed).toBe(true);
    const set = await repository().toggle(owner, row.id, true);
    expect(set.kind === "ok" && set.task.completed).toBe(true);
  });

  it("create a task and write it as the built statement and toTask read it back", async () => {
    const created = await repository().create(owner, {
      title: "Created",
      description: null,
      tags: ["x"],
      due_date: "2026-02-28",
      due_time: "07:05",
      recurrence: "FREQ=DAILY",
      remind_at: "2026-02-28T06:05:00.000Z",
    });
    const stored = await repository().find(owner, created.id);
    if (!stored) throw new Error("task not stored");
    expect(created).toEqual(toTask(stored));
    expect(created.remind_at).toBe("2026-02-28T06:05:00.000Z");
  });

  it("read the default page off the owner's index, with no sort of their tasks", async () => {
    const many = await t.createUser();
    await t.pool.query(
      `insert into task (user_id, title, created_at)
       select $1, 'Many ' || n, now() - n * interval '1 second' from generate_series(1, 5000) n`,
      [many],
    );
    await t.pool.query("analyze task");
    const result = await t.pool.query<{ "QUERY PLAN": string }>(`explain ${LIST_NEWEST.text}`, [
      many,
      21,
    ]);
    const text = result.rows.map((row) => row["QUERY PLAN"]).join("\n");
    expect(text, text).toMatch(/Index Scan Backward using task_user_created_idx/);
    expect(text, text).not.toMatch(/Sort/);
  });
});
