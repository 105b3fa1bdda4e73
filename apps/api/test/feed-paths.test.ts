// Every way of changing a task or a list reaches the change feed, in the transaction of the change:
// each write route of the OpenAPI document (a new one fails here until it is listed), the MCP
// tools, the cascades (subtasks, a recurring task's next occurrence, a list's deletion) and an
// account's deletion. The feed is written by database triggers, so no route can forget it; this
// checks the triggers are there and that what they write is what each member should hear.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ListSchema } from "@taskbridge/shared/list";
import { TaskSchema } from "@taskbridge/shared/task";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { ApiClient } from "./support/http.ts";
import { TEST_AUDIENCE, type TestIssuer } from "./support/issuer.ts";
import { connectedUser, connectMcp } from "./support/mcp.ts";

const database = await useTestDatabase();
let t: TestApp;
let issuer: TestIssuer;
let origin: string;

beforeAll(async () => {
  const built = await buildTestApp({
    databaseUrl: database.url,
    env: { NEXT_PUBLIC_API_URL: TEST_AUDIENCE },
  });
  if (!built.issuer) throw new Error("no issuer");
  t = built;
  issuer = built.issuer;
  origin = await t.app.listen({ port: 0, host: "127.0.0.1" });
});
afterAll(() => t.close());

async function sql<T extends Record<string, unknown>>(text: string, values: unknown[] = []) {
  return (await t.pool.query<T>(text, values)).rows;
}
const apiOf = (userId: string) => new ApiClient(origin, () => t.tokenFor(userId));
const Nothing = z.unknown();

type Change = [kind: string, id: string | null, op: string];
async function headOf(userId: string): Promise<number> {
  const [row] = await sql<{ last: number }>(
    `select last::int from change_feed_head where user_id = $1`,
    [userId],
  );
  return row?.last ?? 0;
}
/** What `userId`'s feed gained after `after`: (kind, task id or member id, op), in order. */
async function gained(userId: string, after: number): Promise<Change[]> {
  const rows = await sql<{
    kind: string;
    task_id: string | null;
    member_id: string | null;
    op: string;
    position: number;
  }>(
    `select kind, task_id, member_id, op, position::int from change_feed
     where user_id = $1 and position > $2 order by position`,
    [userId, after],
  );
  expect(rows.map((row) => row.position)).toEqual(rows.map((_, i) => after + i + 1));
  return rows.map((row) => [row.kind, row.kind === "task" ? row.task_id : row.member_id, row.op]);
}

/** Ada owns a shared list, Ben edits it; both feeds' positions before what the test does. */
async function household() {
  const ada = await t.createUser();
  const ben = await t.createUser();
  const { data: list } = await apiOf(ada).expect(201, ListSchema, "POST", "/api/lists", {
    name: `Home ${randomBytes(3).toString("hex")}`,
  });
  await sql(`insert into list_member (user_id, list_id, role) values ($1, $2, 'editor')`, [
    ben,
    list.id,
  ]);
  const mark = async () => ({ ada: await headOf(ada), ben: await headOf(ben) });
  return { ada, ben, listId: list.id, mark };
}

/**
 * One scenario per write operation of the OpenAPI document: it makes the change and checks what
 * each member's feed gained. Operations that change no task and no list say so.
 */
const scenarios: Record<string, () => Promise<void>> = {
  "POST /api/tasks": async () => {
    const { ada, ben, listId, mark } = await household();
    const at = await mark();
    const task = await apiOf(ben).create({ title: "Milk", list_id: listId });
    expect(await gained(ada, at.ada)).toEqual([["task", task.id, "insert"]]);
    expect(await gained(ben, at.ben)).toEqual([["task", task.id, "insert"]]);
  },
  "PUT /api/tasks/{id}": async () => {
    const { ada, ben, listId, mark } = await household();
    const task = await apiOf(ada).create({ title: "Milk", list_id: listId });
    const at = await mark();
    await apiOf(ben).expect(200, TaskSchema, "PUT", `/api/tasks/${task.id}`, {
      title: "Oat milk",
      description: "",
      priority: "medium",
      completed: false,
      list_id: listId,
    });
    expect(await gained(ada, at.ada)).toEqual([["task", task.id, "update"]]);
    expect(await gained(ben, at.ben)).toEqual([["task", task.id, "update"]]);
  },
  "PATCH /api/tasks/{id}": async () => {
    // A move out of the shared list: Ben, not in Ada's Inbox, sees it go.
    const { ada, ben, listId, mark } = await household();
    const task = await apiOf(ada).create({ title: "Milk", list_id: listId });
    const at = await mark();
    const inbox = (
      await sql<{ id: string }>(`select id from list where owner_id = $1 and is_inbox`, [ada])
    )[0]?.id;
    await apiOf(ada).update(task.id, { list_id: inbox });
    expect(await gained(ada, at.ada)).toEqual([["task", task.id, "update"]]);
    expect(await gained(ben, at.ben)).toEqual([["task", task.id, "delete"]]);
  },
  "DELETE /api/tasks/{id}": async () => {
    // Deleting a task deletes its subtasks: a tombstone for each.
    const { ada, ben, listId, mark } = await household();
    const parent = await apiOf(ada).create({ title: "Party", list_id: listId });
    const child = await apiOf(ada).create({ title: "Cake", parent_id: parent.id });
    const at = await mark();
    await apiOf(ben).expect(204, Nothing, "DELETE", `/api/tasks/${parent.id}`);
    for (const [userId, from] of [
      [ada, at.ada],
      [ben, at.ben],
    ] as const) {
      const changes = await gained(userId, from);
      expect(changes.filter((change) => change[2] === "delete")).toEqual(
        expect.arrayContaining([
          ["task", parent.id, "delete"],
          ["task", child.id, "delete"],
        ]),
      );
    }
  },
  "PATCH /api/tasks/{id}/complete": async () => {
    // Completing a recurring task completes its subtask and spawns the next occurrence (with a
    // copy of the subtask): every one of those rows is in both feeds.
    const { ada, ben, listId, mark } = await household();
    const parent = await apiOf(ada).create({
      title: "Water plants",
      list_id: listId,
      due_date: "2026-12-01",
      recurrence: "FREQ=WEEKLY",
    });
    const child = await apiOf(ada).create({ title: "Fern", parent_id: parent.id });
    const at = await mark();
    const answer = await apiOf(ben).expect(
      200,
      TaskSchema,
      "PATCH",
      `/api/tasks/${parent.id}/complete`,
      {
        completed: true,
      },
    );
    const next = /<\/api\/tasks\/([^>]+)>; rel="next-occurrence"/.exec(
      answer.headers.get("link") ?? "",
    )?.[1];
    expect(next).toBeDefined();
    for (const [userId, from] of [
      [ada, at.ada],
      [ben, at.ben],
    ] as const) {
      const ids = new Set(
        (await gained(userId, from)).map((change) => `${change[1]} ${change[2]}`),
      );
      expect(ids).toContain(`${parent.id} update`);
      expect(ids).toContain(`${child.id} update`);
      expect(ids).toContain(`${next} insert`);
    }
  },
  "POST /api/tasks/{id}/toggle": async () => {
    const { ada, ben, listId, mark } = await household();
    const task = await apiOf(ada).create({ title: "Milk", list_id: listId });
    const at = await mark();
    await apiOf(ben).expect(200, TaskSchema, "POST", `/api/tasks/${task.id}/toggle`);
    expect(await gained(ada, at.ada)).toEqual([["task", task.id, "update"]]);
    expect(await gained(ben, at.ben)).toEqual([["task", task.id, "update"]]);
  },
  "POST /api/{user_id}/tasks": async () => {
    const { ada, ben, listId, mark } = await household();
    const at = await mark();
    const { data: task } = await apiOf(ben).expect(201, TaskSchema, "POST", `/api/${ben}/tasks`, {
      title: "Bread",
      list_id: listId,
    });
    expect(await gained(ada, at.ada)).toEqual([["task", task.id, "insert"]]);
    expect(await gained(ben, at.ben)).toEqual([["task", task.id, "insert"]]);
  },
  "PUT /api/{user_id}/tasks/{id}": async () => {
    const { ada, ben, listId, mark } = await household();
    const task = await apiOf(ada).create({ title: "Milk", list_id: listId });
    const at = await mark();
    await apiOf(ben).expect(200, TaskSchema, "PUT", `/api/${ben}/tasks/${task.id}`, {
      title: "Oat milk",
      description: "",
      priority: "high",
      completed: false,
      list_id: listId,
    });
    expect(await gained(ada, at.ada)).toEqual([["task", task.id, "update"]]);
  },
  "PATCH /api/{user_id}/tasks/{id}": async () => {
    const { ada, ben, listId, mark } = await household();
    const task = await apiOf(ada).create({ title: "Milk", list_id: listId });
    const at = await mark();
    await apiOf(ben).expect(200, TaskSchema, "PATCH", `/api/${ben}/tasks/${task.id}`, {
      priority: "low",
    });
    expect(await gained(ada, at.ada)).toEqual([["task", task.id, "update"]]);
    expect(await gained(ben, at.ben)).toEqual([["task", task.id, "update"]]);
  },
  "DELETE /api/{user_id}/tasks/{id}": async () => {
    const { ada, ben, listId, mark } = await household();
    const task = await apiOf(ada).create({ title: "Milk", list_id: listId });
    const at = await mark();
    await apiOf(ben).expect(204, Nothing, "DELETE", `/api/${ben}/tasks/${task.id}`);
    expect(await gained(ada, at.ada)).toEqual([["task", task.id, "delete"]]);
    expect(await gained(ben, at.ben)).toEqual([["task", task.id, "delete"]]);
  },
  "PATCH /api/{user_id}/tasks/{id}/complete": async () => {
    const { ada, ben, listId, mark } = await household();
    const task = await apiOf(ada).create({ title: "Milk", list_id: listId });
    const at = await mark();
    await apiOf(ben).expect(200, TaskSchema, "PATCH", `/api/${ben}/tasks/${task.id}/complete`, {
      completed: true,
    });
    expect(await gained(ada, at.ada)).toEqual([["task", task.id, "update"]]);
  },
  "POST /api/{user_id}/tasks/{id}/toggle": async () => {
    const { ada, ben, listId, mark } = await household();
    const task = await apiOf(ada).create({ title: "Milk", list_id: listId });
    const at = await mark();
    await apiOf(ben).expect(200, TaskSchema, "POST", `/api/${ben}/tasks/${task.id}/toggle`);
    expect(await gained(ben, at.ben)).toEqual([["task", task.id, "update"]]);
  },
  "POST /api/lists": async () => {
    const ada = await t.createUser();
    const at = await headOf(ada);
    const { data: list } = await apiOf(ada).expect(201, ListSchema, "POST", "/api/lists", {
      name: "Errands",
    });
    expect(await gained(ada, at)).toEqual([["lists", ada, "insert"]]);
    expect(
      (
        await sql(`select list_id from change_feed where user_id = $1 and position = $2`, [
          ada,
          at + 1,
        ])
      )[0],
    ).toEqual({ list_id: list.id });
  },
  "PATCH /api/lists/{id}": async () => {
    const { ada, ben, listId, mark } = await household();
    const at = await mark();
    await apiOf(ada).expect(200, ListSchema, "PATCH", `/api/lists/${listId}`, { name: "House" });
    await apiOf(ada).expect(200, ListSchema, "PATCH", `/api/lists/${listId}`, { archived: true });
    expect(await gained(ada, at.ada)).toEqual([
      ["lists", null, "update"],
      ["lists", null, "update"],
    ]);
    expect(await gained(ben, at.ben)).toEqual([
      ["lists", null, "update"],
      ["lists", null, "update"],
    ]);
  },
  "DELETE /api/lists/{id}": async () => {
    // Its memberships end, each an event to whoever is still in it and to the one concerned;
    // that ending is the tombstone of the list and of its tasks for them.
    const { ada, ben, listId, mark } = await household();
    await apiOf(ada).create({ title: "Milk", list_id: listId });
    const at = await mark();
    await apiOf(ada).expect(204, Nothing, "DELETE", `/api/lists/${listId}`);
    expect(await gained(ada, at.ada)).toContainEqual(["lists", ada, "delete"]);
    expect(await gained(ben, at.ben)).toContainEqual(["lists", ben, "delete"]);
    expect(await sql(`select 1 from list_member where list_id = $1`, [listId])).toEqual([]);
  },
  "PATCH /api/lists/{id}/members/{user_id}": async () => {
    const { ada, ben, listId, mark } = await household();
    const at = await mark();
    await apiOf(ada).expect(200, Nothing, "PATCH", `/api/lists/${listId}/members/${ben}`, {
      role: "viewer",
    });
    expect(await gained(ada, at.ada)).toEqual([["lists", ben, "update"]]);
    expect(await gained(ben, at.ben)).toEqual([["lists", ben, "update"]]);
  },
  "DELETE /api/lists/{id}/members/{user_id}": async () => {
    // Removal by the owner, and leaving.
    const { ada, ben, listId, mark } = await household();
    const cy = await t.createUser();
    await sql(`insert into list_member (user_id, list_id, role) values ($1, $2, 'viewer')`, [
      cy,
      listId,
    ]);
    const at = await mark();
    const atCy = await headOf(cy);
    await apiOf(ada).expect(204, Nothing, "DELETE", `/api/lists/${listId}/members/${ben}`);
    await apiOf(cy).expect(204, Nothing, "DELETE", `/api/lists/${listId}/members/${cy}`);
    expect(await gained(ada, at.ada)).toEqual([
      ["lists", ben, "delete"],
      ["lists", cy, "delete"],
    ]);
    expect(await gained(ben, at.ben)).toEqual([["lists", ben, "delete"]]);
    expect(await gained(cy, atCy)).toEqual([
      ["lists", ben, "delete"],
      ["lists", cy, "delete"],
    ]);
  },
  "POST /api/lists/{id}/invites": async () => {
    // An invite changes no task and no list.
    const { ada, listId } = await household();
    const at = await headOf(ada);
    await apiOf(ada).expect(201, Nothing, "POST", `/api/lists/${listId}/invites`, {
      role: "editor",
    });
    expect(await gained(ada, at)).toEqual([]);
  },
  "DELETE /api/lists/{id}/invites/{invite_id}": async () => {
    const { ada, listId } = await household();
    const { body } = await apiOf(ada).expect(201, Nothing, "POST", `/api/lists/${listId}/invites`, {
      role: "editor",
    });
    const { id } = z.object({ id: z.string() }).parse(body);
    const at = await headOf(ada);
    await apiOf(ada).expect(204, Nothing, "DELETE", `/api/lists/${listId}/invites/${id}`);
    expect(await gained(ada, at)).toEqual([]);
  },
  "POST /api/import": async () => {
    // A file with a list, a task and its subtask: the list, then each task, in the importer's
    // feed; a second import with a changed title is one task update.
    const ada = await t.createUser();
    const file = (title: string) => ({
      format: "taskbridge",
      version: 1,
      exported_at: "2026-01-01T00:00:00.000Z",
      lists: [
        {
          id: "0193a000-0000-7000-8000-000000000001",
          name: "Errands",
          color: "gray",
          is_inbox: false,
          archived: false,
          owner_id: "someone",
          owner_name: "Someone",
          role: "owner",
          member_count: 1,
          pending_count: 2,
          task_count: 2,
          created_at: "2026-01-01T00:00:00.000Z",
          updated_at: "2026-01-01T00:00:00.000Z",
          members: [],
          tasks: [
            { id: "0193a000-0000-7000-8000-000000000002", title, parent_id: null },
            { id: "0193a000-0000-7000-8000-000000000003", title: "Cake", parent_id: null },
          ].map((task, index) => ({
            ...task,
            parent_id: index === 1 ? "0193a000-0000-7000-8000-000000000002" : null,
            user_id: "someone",
            description: null,
            completed: false,
            priority: "medium",
            due_date: null,
            due_time: null,
            tags: [],
            recurrence: null,
            previous_id: null,
            remind_at: null,
            reminded_at: null,
            list_id: "0193a000-0000-7000-8000-000000000001",
            assignee_id: null,
            created_by: "someone",
            subtask_count: index === 0 ? 1 : 0,
            completed_subtask_count: 0,
            created_at: "2026-01-01T00:00:00.000Z",
            updated_at: "2026-01-01T00:00:00.000Z",
          })),
        },
      ],
    });
    const at = await headOf(ada);
    await apiOf(ada).expect(200, Nothing, "POST", "/api/import", file("Party"));
    const tasks = await sql<{ id: string; title: string }>(
      `select id, title from task where user_id = $1 order by title desc`,
      [ada],
    );
    const [party, cake] = tasks.map((row) => row.id);
    expect(await gained(ada, at)).toEqual([
      ["lists", ada, "insert"],
      ["task", party, "insert"],
      // The subtask's insert bumps its parent's subtask_count first.
      ["task", party, "update"],
      ["task", cake, "insert"],
    ]);
    const again = await headOf(ada);
    await apiOf(ada).expect(200, Nothing, "POST", "/api/import", file("Garden party"));
    expect((await gained(ada, again)).filter((change) => change[1] === party)).toEqual(
      expect.arrayContaining([["task", party, "update"]]),
    );
  },
  "POST /api/lists/{id}/import/todoist": async () => {
    // An editor's import into the owner's list: each task reaches every member's feed.
    const { ada, ben, listId, mark } = await household();
    const at = await mark();
    const csv = "TYPE,CONTENT,INDENT\ntask,Party,1\ntask,Cake,2\n";
    const response = await fetch(`${origin}/api/lists/${listId}/import/todoist`, {
      method: "POST",
      headers: { authorization: `Bearer ${await t.tokenFor(ben)}`, "content-type": "text/csv" },
      body: csv,
    });
    expect(response.status).toBe(200);
    const tasks = await sql<{ id: string; title: string }>(
      `select id, title from task where list_id = $1 order by title desc`,
      [listId],
    );
    const [party, cake] = tasks.map((row) => row.id);
    const expected = [
      ["task", party, "insert"],
      // The subtask's insert bumps its parent's subtask_count first.
      ["task", party, "update"],
      ["task", cake, "insert"],
    ];
    expect(await gained(ada, at.ada)).toEqual(expected);
    expect(await gained(ben, at.ben)).toEqual(expected);
  },
  // App passwords and the calendar feed's link change no task and no list.
  "POST /api/app-passwords": async () => {
    const ada = await t.createUser();
    const at = await headOf(ada);
    await apiOf(ada).expect(201, Nothing, "POST", "/api/app-passwords", { name: "Phone" });
    expect(await gained(ada, at)).toEqual([]);
  },
  "DELETE /api/app-passwords/{id}": async () => {
    const ada = await t.createUser();
    const { body } = await apiOf(ada).expect(201, Nothing, "POST", "/api/app-passwords", {
      name: "Phone",
    });
    const { id } = z.object({ id: z.string() }).parse(body);
    const at = await headOf(ada);
    await apiOf(ada).expect(204, Nothing, "DELETE", `/api/app-passwords/${id}`);
    expect(await gained(ada, at)).toEqual([]);
  },
  "POST /api/calendar-feed": async () => {
    const ada = await t.createUser();
    const at = await headOf(ada);
    await apiOf(ada).expect(200, Nothing, "POST", "/api/calendar-feed");
    expect(await gained(ada, at)).toEqual([]);
  },
  "DELETE /api/calendar-feed": async () => {
    const ada = await t.createUser();
    await apiOf(ada).expect(200, Nothing, "POST", "/api/calendar-feed");
    const at = await headOf(ada);
    await apiOf(ada).expect(204, Nothing, "DELETE", "/api/calendar-feed");
    expect(await gained(ada, at)).toEqual([]);
  },
  // The time zone setting changes no task and no list either.
  "PATCH /api/me/settings": async () => {
    const ada = await t.createUser();
    const at = await headOf(ada);
    await apiOf(ada).expect(200, Nothing, "PATCH", "/api/me/settings", {
      time_zone: "Europe/Paris",
    });
    expect(await gained(ada, at)).toEqual([]);
  },
  "POST /api/invites/{token}/accept": async () => {
    const { ada, ben, listId, mark } = await household();
    const { body } = await apiOf(ada).expect(201, Nothing, "POST", `/api/lists/${listId}/invites`, {
      role: "editor",
    });
    const { token } = z.object({ token: z.string() }).parse(body);
    const cy = await t.createUser();
    const at = await mark();
    const atCy = await headOf(cy);
    await apiOf(cy).expect(200, ListSchema, "POST", `/api/invites/${token}/accept`);
    expect(await gained(ada, at.ada)).toEqual([["lists", cy, "insert"]]);
    expect(await gained(ben, at.ben)).toEqual([["lists", cy, "insert"]]);
    expect(await gained(cy, atCy)).toEqual([["lists", cy, "insert"]]);
  },
};

describe("every write route reaches the change feed", () => {
  it("has a scenario for each write operation of the OpenAPI document", async () => {
    const document = z
      .object({ paths: z.record(z.string(), z.record(z.string(), z.unknown())) })
      .parse(await (await fetch(`${origin}/openapi.json`)).json());
    const writes = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations)
        .filter((method) => ["post", "put", "patch", "delete"].includes(method))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(writes.sort()).toEqual(Object.keys(scenarios).sort());
  });

  for (const [operation, scenario] of Object.entries(scenarios)) {
    it(operation, scenario);
  }
});

describe("the change feed beyond the routes", () => {
  it("is written by triggers on every change of task, list and list_member", async () => {
    const triggers = await sql<{ table: string; name: string; events: string }>(
      `select c.relname as table, t.tgname as name,
         concat_ws(',', case when t.tgtype & 4 > 0 then 'insert' end,
           case when t.tgtype & 8 > 0 then 'delete' end,
           case when t.tgtype & 16 > 0 then 'update' end,
           case when t.tgtype & 1 = 0 then 'per statement' end) as events
       from pg_trigger t join pg_class c on c.oid = t.tgrelid
       where t.tgname like 'change_feed_%' and t.tgenabled <> 'D' order by 1, 2`,
    );
    expect(triggers).toEqual([
      { table: "list", name: "change_feed_list", events: "update,per statement" },
      {
        table: "list_member",
        name: "change_feed_membership_delete",
        events: "delete,per statement",
      },
      {
        table: "list_member",
        name: "change_feed_membership_insert",
        events: "insert,per statement",
      },
      {
        table: "list_member",
        name: "change_feed_membership_update",
        events: "update,per statement",
      },
      { table: "task", name: "change_feed_task_delete", events: "delete,per statement" },
      { table: "task", name: "change_feed_task_insert", events: "insert,per statement" },
      { table: "task", name: "change_feed_task_update", events: "update,per statement" },
    ]);
  });

  it("takes a bulk statement in one pass, each row once for each member", async () => {
    const { ada, ben, listId, mark } = await household();
    const at = await mark();
    await sql(
      `insert into task (list_id, title) select $1, 'Bulk ' || n from generate_series(1, 2000) n`,
      [listId],
    );
    await sql(`update task set priority = 'high' where list_id = $1`, [listId]);
    for (const [userId, from] of [
      [ada, at.ada],
      [ben, at.ben],
    ] as const) {
      const changes = await gained(userId, from);
      expect(changes).toHaveLength(4000);
      expect(new Set(changes.slice(0, 2000).map((change) => change[1])).size).toBe(2000);
      expect(changes.slice(0, 2000).every((change) => change[2] === "insert")).toBe(true);
      expect(changes.slice(2000).every((change) => change[2] === "update")).toBe(true);
    }
  });

  it("takes the changes of the MCP tools", async () => {
    const { userId, token } = await connectedUser(t, issuer);
    const client = await connectMcp(origin, token);
    try {
      const at = await headOf(userId);
      const added = await client.callTool({ name: "add_task", arguments: { title: "From chat" } });
      const id = z
        .object({ structuredContent: z.object({ task: z.object({ id: z.string() }) }) })
        .parse(added).structuredContent.task.id;
      await client.callTool({ name: "complete_task", arguments: { task_id: id } });
      await client.callTool({ name: "delete_task", arguments: { task_id: id } });
      expect(await gained(userId, at)).toEqual([
        ["task", id, "insert"],
        ["task", id, "update"],
        ["task", id, "delete"],
      ]);
    } finally {
      await client.close();
    }
  });

  it("takes an account's deletion: its memberships end and its tasks elsewhere lose their creator", async () => {
    const { ada, ben, listId, mark } = await household();
    const bens = await apiOf(ben).create({ title: "Ben's in Ada's list", list_id: listId });
    const own = await apiOf(ben).create({ title: "Ben's own" });
    const at = await mark();
    await sql(`delete from "user" where id = $1`, [ben]);
    const changes = await gained(ada, at.ada);
    expect(changes).toContainEqual(["lists", ben, "delete"]);
    expect(changes).toContainEqual(["task", bens.id, "update"]);
    expect(changes.some((change) => change[1] === own.id)).toBe(false);
    // Nothing is kept of the deleted account's own feed.
    expect(await sql(`select 1 from change_feed where user_id = $1`, [ben])).toEqual([]);
    expect(await sql(`select 1 from change_feed_head where user_id = $1`, [ben])).toEqual([]);
  });
});
