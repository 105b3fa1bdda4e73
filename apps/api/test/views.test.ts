// Calendar dates, the list's views and the counts, over real HTTP against PostgreSQL.
import { PgDialect } from "drizzle-orm/pg-core";
import type { SQL } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TaskStatsSchema, type TaskCreate } from "@taskbridge/shared/task";
import type { Task } from "@taskbridge/shared/task-rules";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { listSort, TaskRepository } from "../src/repositories/tasks.ts";
import { LIST_NEWEST } from "../src/repositories/task-statements.ts";
import { decodeCursor, encodeCursor } from "../src/lib/cursor.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { ApiClient, listen } from "./support/http.ts";

const database = await useTestDatabase();
let t: TestApp;
let alice: string;
let api: ApiClient;
let bobApi: ApiClient;

const TODAY = "2026-03-10";

beforeAll(async () => {
  t = await buildTestApp({ databaseUrl: database.url, mode: "hs256" });
  alice = await t.createUser();
  const bob = await t.createUser();
  const origin = await listen(t.app);
  api = new ApiClient(origin, () => t.tokenFor(alice));
  bobApi = new ApiClient(origin, () => t.tokenFor(bob));
});
afterAll(() => t.close());

describe("calendar dates", () => {
  it("keeps a date and a time of day as written", async () => {
    const created = await api.create({
      title: "Dentist",
      due_date: "2026-12-01",
      due_time: "09:30",
    });
    expect(created).toMatchObject({ due_date: "2026-12-01", due_time: "09:30" });
    expect(await api.get(created.id)).toMatchObject({ due_date: "2026-12-01", due_time: "09:30" });
    const moved = await api.update(created.id, { due_date: "2027-02-28", due_time: "18:05" });
    expect(moved).toMatchObject({ due_date: "2027-02-28", due_time: "18:05" });
    const cleared = await api.update(created.id, { due_date: null, due_time: null });
    expect(cleared).toMatchObject({ due_date: null, due_time: null });
  });

  it("cuts a date-time from an older client to its UTC date", async () => {
    const midnight = await api.create({
      title: "Old client",
      due_date: "2026-12-01T00:00:00.000Z",
    });
    expect(midnight.due_date).toBe("2026-12-01");
    expect(midnight.due_time).toBeNull();
    const late = await api.create({ title: "Offset", due_date: "2026-12-01T23:30:00-05:00" });
    expect(late.due_date).toBe("2026-12-02");
    const updated = await api.update(late.id, { due_date: "2027-01-05T10:00:00Z" });
    expect(updated.due_date).toBe("2027-01-05");
  });

  it.each<[string, TaskCreate, string]>([
    ["a time without a date", { title: "x", due_time: "09:00" }, "due_time"],
    ["a time past 23:59", { title: "x", due_date: "2026-01-01", due_time: "24:00" }, "due_time"],
    [
      "a time with seconds",
      { title: "x", due_date: "2026-01-01", due_time: "09:00:00" },
      "due_time",
    ],
    ["an impossible date", { title: "x", due_date: "2026-02-30" }, "due_date"],
    ["year zero", { title: "x", due_date: "0000-01-01" }, "due_date"],
    ["a date-time in year zero", { title: "x", due_date: "0001-01-01T00:30:00+01:00" }, "due_date"],
    ["a reminder in year zero", { title: "x", remind_at: "0000-06-01T00:00:00Z" }, "remind_at"],
  ])("refuses %s with 422 naming the field, and stores nothing", async (_name, body, field) => {
    const before = await api.expect(200, TaskStatsSchema, "GET", "/api/tasks/stats");
    const problem = await api.problem(422, "POST", "/api/tasks", body);
    expect(problem.errors?.map((error) => error.field)).toContain(field);
    const after = await api.expect(200, TaskStatsSchema, "GET", "/api/tasks/stats");
    expect(after.data.all).toBe(before.data.all);
  });

  it("refuses to take the date from under a time of day", async () => {
    const task = await api.create({ title: "Timed", due_date: "2026-05-01", due_time: "07:00" });
    const problem = await api.problem(422, "PATCH", `/api/tasks/${task.id}`, { due_date: null });
    expect(problem.errors).toEqual([{ field: "due_time", message: "A due_time needs a due_date" }]);
    expect((await api.get(task.id)).due_date).toBe("2026-05-01");
  });
});

describe("views and counts", () => {
  const expected: Record<string, Task[]> = {};
  let user: string;
  let own: ApiClient;

  /** Tasks ordered as every view orders them: due date, then id. */
  const byDue = (tasks: Task[]) =>
    [...tasks].sort((a, b) =>
      a.due_date === b.due_date
        ? a.id.localeCompare(b.id)
        : (a.due_date ?? "9999").localeCompare(b.due_date ?? "9999"),
    );

  beforeAll(async () => {
    user = await t.createUser();
    own = new ApiClient(api.origin, () => t.tokenFor(user));
    const make = async (count: number, input: TaskCreate) => {
      const made: Task[] = [];
      for (let i = 0; i < count; i++)
        made.push(await own.create({ ...input, title: `${input.title} ${i}` }));
      return made;
    };
    // Ties everywhere: several tasks share each due date, so only the id orders them.
    const overdue = [
      ...(await make(3, { title: "Late", due_date: "2026-03-01", tags: ["Work"] })),
      ...(await make(4, { title: "Late too", due_date: "2026-03-09", priority: "high" })),
    ];
    const dueToday = await make(4, { title: "Now", due_date: TODAY, tags: ["work", "home"] });
    const upcoming = [
      ...(await make(3, { title: "Soon", due_date: "2026-03-11" })),
      ...(await make(2, { title: "Later", due_date: "2026-04-01", tags: ["WORK"] })),
    ];
    const completed = await make(3, { title: "Done", due_date: "2026-03-01", completed: true });
    const undated = await make(3, { title: "Someday" });
    const undatedDone = await make(1, { title: "Someday done", completed: true });
    expected.overdue = byDue(overdue);
    expected.today = byDue([...overdue, ...dueToday]);
    expected.upcoming = byDue(upcoming);
    expected.all = [...overdue, ...dueToday, ...upcoming, ...completed, ...undated, ...undatedDone];
    expected.none = [...undated, ...undatedDone];
  });

  const ids = (tasks: Task[]) => tasks.map((task) => task.id);

  it.each(["today", "overdue", "upcoming"])(
    "view=%s lists its tasks by due date, the same two at a time as all at once",
    async (view) => {
      const all = await own.list(`view=${view}&today=${TODAY}&limit=500`);
      expect(ids(all)).toEqual(ids(expected[view] ?? []));
      expect(all.every((task) => !task.completed)).toBe(true);
      const paged = await own.walk(`view=${view}&today=${TODAY}&limit=2`);
      expect(ids(paged)).toEqual(ids(all));
      const reversed = await own.walk(`view=${view}&today=${TODAY}&sort=-due_date&limit=3`);
      expect(ids(reversed)).toEqual(ids(all).reverse());
    },
  );

  it("filters by due_from, due_to and due, with paging", async () => {
    const range = await own.walk("due_from=2026-03-09&due_to=2026-03-11&sort=due_date&limit=2");
    expect(range.every((task) => task.due_date && task.due_date >= "2026-03-09")).toBe(true);
    expect(range.every((task) => task.due_date && task.due_date <= "2026-03-11")).toBe(true);
    expect(range).toHaveLength(4 + 4 + 3);
    expect(ids(range)).toEqual(ids(byDue(range)));
    expect(new Set(ids(await own.walk("due=none&limit=2")))).toEqual(
      new Set(ids(expected.none ?? [])),
    );
    expect(await own.walk("due=any&limit=5")).toHaveLength((expected.all?.length ?? 0) - 4);
  });

  it("takes today from the caller, and the server's UTC date without it", async () => {
    expect(await own.list("view=overdue&today=2026-03-01&limit=500")).toHaveLength(0);
    expect(await own.list("view=upcoming&today=2000-01-01&limit=500")).toHaveLength(4 + 3 + 4 + 5);
    // Every fixture date lies in the past of the server's clock.
    expect(await own.list("view=overdue&limit=500")).toHaveLength(4 + 3 + 4 + 5);
    await own.problem(422, "GET", "/api/tasks?view=today&today=tomorrow");
    await own.problem(422, "GET", "/api/tasks?view=soon");
    await own.problem(422, "GET", "/api/tasks?due=some");
    for (const value of ["2026-03-10T00:00:00.000Z", "0000-01-01", "+275760-09-13"]) {
      const cursor = encodeCursor({
        sort: "due_date",
        value,
        id: "01a212e0-94c4-77ac-b6b5-e6c13bbdaf56",
      });
      await own.problem(400, "GET", `/api/tasks?view=today&cursor=${cursor}`);
    }
  });

  it("matches a tag case-insensitively and keeps its spelling", async () => {
    const work = await own.walk("tag=wOrK&limit=3");
    expect(work).toHaveLength(3 + 4 + 2);
    expect(new Set(work.flatMap((task) => task.tags))).toEqual(
      new Set(["Work", "work", "home", "WORK"]),
    );
  });

  it.each(["/api", "/api/{user_id}"])("counts what the views list, under %s", async (shape) => {
    const prefix = shape === "/api" ? "/api" : `/api/${user}`;
    for (const filter of ["", "&tag=WORK", "&priority=high", "&q=late", "&q=nothing-matches"]) {
      const { data: stats } = await own.expect(
        200,
        TaskStatsSchema,
        "GET",
        `${prefix}/tasks/stats?today=${TODAY}${filter}`,
      );
      const count = async (query: string) => (await own.walk(`${query}${filter}&limit=7`)).length;
      expect(stats).toEqual({
        all: await count("status=all"),
        pending: await count("status=pending"),
        completed: await count("status=completed"),
        overdue: await count(`view=overdue&today=${TODAY}`),
        today: await count(`view=today&today=${TODAY}`),
        upcoming: await count(`view=upcoming&today=${TODAY}`),
        no_due_date: await count("due=none"),
      });
    }
    const { data: plain } = await own.expect(
      200,
      TaskStatsSchema,
      "GET",
      `${prefix}/tasks/stats?today=${TODAY}`,
    );
    expect(plain).toEqual({
      all: 23,
      pending: 19,
      completed: 4,
      overdue: 7,
      today: 11,
      upcoming: 5,
      no_due_date: 4,
    });
  });

  it("counts only the caller's tasks", async () => {
    const stranger = await t.createUser();
    const strangerApi = new ApiClient(api.origin, () => t.tokenFor(stranger));
    const { data } = await strangerApi.expect(200, TaskStatsSchema, "GET", "/api/tasks/stats");
    expect(data).toEqual({
      all: 0,
      pending: 0,
      completed: 0,
      overdue: 0,
      today: 0,
      upcoming: 0,
      no_due_date: 0,
    });
    await strangerApi.create({ title: "Mine", due_date: TODAY });
    const after = await strangerApi.expect(
      200,
      TaskStatsSchema,
      "GET",
      `/api/tasks/stats?today=${TODAY}`,
    );
    expect(after.data).toMatchObject({ all: 1, today: 1 });
    const problem = await bobApi.problem(403, "GET", `/api/${stranger}/tasks/stats`);
    expect(problem.status).toBe(403);
    await own.problem(422, "GET", "/api/tasks/stats?status=pending");
  });
});

describe("query plans with 100,000 tasks of other users and 10 lists shared with the caller", () => {
  let owner: string;
  const repository = () => new TaskRepository(t.db);

  beforeAll(async () => {
    owner = await t.createUser();
    const others = Array.from({ length: 20 }, (_, i) => `plan-other-${i}`);
    for (const id of others) await t.createUser(id);
    // One connection without the API's statement timeout: the load is one long statement.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query(`
        insert into task (user_id, title, due_date, completed, tags)
        select 'plan-other-' || (n % 20), 'Other ' || n, date '2026-01-01' + (n % 120),
               n % 3 = 0, array['Work']
        from generate_series(1, 100000) as n`);
      // The owner's own 3,000 tasks: enough that reading a page in order beats sorting them.
      await client.query(
        `insert into task (user_id, title, due_date, completed, tags)
         select $1, 'Own ' || n, date '2026-01-01' + (n % 180), n % 2 = 0, array['Work']
         from generate_series(1, 3000) as n`,
        [owner],
      );
      // And ten lists of others shared with the owner, 300 tasks each: the owner's views and
      // counts span eleven lists.
      for (let i = 0; i < 10; i++) {
        const { rows } = await client.query<{ id: string }>(
          "insert into list (owner_id, name) values ($1, $2) returning id",
          [`plan-other-${i}`, `Shared ${i}`],
        );
        const listId = rows[0]?.id;
        await client.query("insert into list_member (user_id, list_id, role) values ($1, $2, $3)", [
          owner,
          listId,
          i % 2 === 0 ? "editor" : "viewer",
        ]);
        await client.query(
          `insert into task (list_id, title, due_date, completed, tags)
           select $1, 'Shared ' || n, date '2026-01-01' + (n % 150), n % 4 = 0, array['Work']
           from generate_series(1, 300) as n`,
          [listId],
        );
      }
      await client.query("vacuum analyze");
    } finally {
      await client.end();
    }
  });

  /** A Sort node of a plan (not a "Sort Key:" line). */
  const SORT_NODE = /(^|->)\s*(Incremental )?Sort\s+\(/m;

  it("reads the default page off each list's index, one page per list, no other user's rows", async () => {
    const text = (
      await t.pool.query<{ "QUERY PLAN": string }>(
        `explain (analyze, costs off, timing off, summary off) ${LIST_NEWEST.text}`,
        [owner, 21],
      )
    ).rows
      .map((row) => row["QUERY PLAN"])
      .join("\n");
    expect(text, text).toMatch(/Index (Only )?Scan Backward using task_list_created_idx/);
    // (list_member may be read whole while it is this small; no task is.)
    expect(text, text).not.toMatch(/Seq Scan on task/);
    // Eleven lists, at most 21 rows read from each: what is sorted is bounded by the lists and
    // the page, not by the 6,000 tasks the owner can see.
    const scans = [
      ...text.matchAll(/task_list_created_idx.*\(actual rows=(\d+)(?:\.\d+)? loops=(\d+)\)/g),
    ];
    for (const [, rows, loops] of scans) {
      expect(Number(rows), text).toBeLessThanOrEqual(21);
      expect(Number(loops), text).toBe(11);
    }
  });

  async function plan(built: SQL | null): Promise<string> {
    if (!built) throw new Error("no query");
    const query = new PgDialect().sqlToQuery(built);
    const result = await t.pool.query<{ "QUERY PLAN": string }>(
      `explain ${query.sql}`,
      query.params,
    );
    return result.rows.map((row) => row["QUERY PLAN"]).join("\n");
  }

  async function analyzed(built: SQL | null): Promise<string> {
    if (!built) throw new Error("no query");
    const query = new PgDialect().sqlToQuery(built);
    const result = await t.pool.query<{ "QUERY PLAN": string }>(
      `explain (analyze, costs off, timing off, summary off) ${query.sql}`,
      query.params,
    );
    return result.rows.map((row) => row["QUERY PLAN"]).join("\n");
  }

  it.each(["today", "upcoming", "overdue"] as const)(
    "reads view=%s (first and a later page) across eleven lists off their indexes, with no sort",
    async (view) => {
      const sort = listSort({ view, sort: undefined });
      const options = { status: "all", view, today: TODAY, sort, limit: 5 } as const;
      const first = await repository().page(owner, { ...options, cursor: undefined });
      const last = first?.at(-2);
      if (!last) throw new Error(`no rows for ${view}`);
      const cursor = decodeCursor(encodeCursor({ sort, value: last.due_date, id: last.id }), sort);
      // A cursor at a task with a time of day, as a view's next page carries it.
      const timed = decodeCursor(
        encodeCursor({ sort, value: `${last.due_date}T12:00`, id: last.id }),
        sort,
        true,
      );
      for (const page of [undefined, cursor, timed]) {
        const text = await analyzed(
          await repository().listQuery(owner, { ...options, cursor: page }),
        );
        // One range of each list's index, merged in order: no Sort node, no task read whole
        // but the page's, and at most a page plus one from each list.
        expect(text, text).toMatch(/Merge Append/);
        expect(text, text).not.toMatch(SORT_NODE);
        expect(text, text).not.toMatch(/Seq Scan on task/);
        const scans = [
          ...text.matchAll(
            /Index (?:Only )?Scan using task_list_completed_due_idx.*\(actual rows=(\d+)(?:\.\d+)? loops=(\d+)\)/g,
          ),
        ];
        expect(scans.length, text).toBe(11);
        for (const [, rows] of scans) expect(Number(rows), text).toBeLessThanOrEqual(6);
      }
    },
  );

  it.each(["today", "upcoming", "overdue"] as const)(
    "reads view=%s of one list as one range of its index, with no sort",
    async (view) => {
      const { rows } = await t.pool.query<{ id: string }>(
        "select list_id as id from list_member where user_id = $1 and role = 'viewer' limit 1",
        [owner],
      );
      const list = rows[0]?.id;
      const sort = listSort({ view, sort: undefined });
      const options = { status: "all", view, today: TODAY, sort, limit: 5, list } as const;
      const first = await repository().page(owner, { ...options, cursor: undefined });
      const last = first?.at(-2);
      if (!last) throw new Error(`no rows for ${view}`);
      const cursor = decodeCursor(encodeCursor({ sort, value: last.due_date, id: last.id }), sort);
      const timed = decodeCursor(
        encodeCursor({ sort, value: `${last.due_date}T12:00`, id: last.id }),
        sort,
        true,
      );
      for (const page of [undefined, cursor, timed]) {
        const text = await plan(await repository().listQuery(owner, { ...options, cursor: page }));
        expect(text, text).toMatch(/Index (Only )?Scan.* using task_list_completed_due_idx/);
        expect(text, text).not.toMatch(/Seq Scan on task/);
        expect(text, text).not.toMatch(SORT_NODE);
      }
    },
  );

  it("counts from an index, never scanning other users' rows", async () => {
    for (const filters of [{}, { tag: "work" }, { priority: "high" as const }, { q: "own" }]) {
      const text = await plan(await repository().statsQuery(owner, { today: TODAY, ...filters }));
      expect(text, text).toMatch(/Index|Bitmap/);
      expect(text, text).not.toMatch(/Seq Scan on task/);
    }
    const stats = await repository().stats(owner, { today: TODAY, tag: "WORK" });
    expect(stats?.all).toBe(3000 + 10 * 300);
  });
});
