// Subtasks, moves between lists, assignees and the list parameters of the task routes, over real
// HTTP with real tokens on a real database. Lists and memberships are made with SQL here, so these
// tests stand on the task routes alone (lists.test.ts covers the list routes).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { TaskSchema, TaskStatsSchema, type Task } from "@taskbridge/shared/task";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { ApiClient, listen } from "./support/http.ts";

const database = await useTestDatabase();
let t: TestApp;
let origin: string;
let owner: string;
let editor: string;
let viewer: string;
let stranger: string;
let as: Record<"owner" | "editor" | "viewer" | "stranger", ApiClient>;
let shared: string;
let other: string;

async function makeList(ownerId: string, name: string): Promise<string> {
  const { rows } = await t.pool.query<{ id: string }>(
    "insert into list (owner_id, name) values ($1, $2) returning id",
    [ownerId, name],
  );
  const id = rows[0]?.id;
  if (!id) throw new Error("no list");
  return id;
}

async function addMember(listId: string, userId: string, role: "editor" | "viewer") {
  await t.pool.query("insert into list_member (user_id, list_id, role) values ($1, $2, $3)", [
    userId,
    listId,
    role,
  ]);
}

async function stored(id: string) {
  const { rows } = await t.pool.query<{ completed: boolean; list_id: string; parent_id: string }>(
    "select completed, list_id, parent_id from task where id = $1",
    [id],
  );
  return rows[0];
}

beforeAll(async () => {
  t = await buildTestApp({ databaseUrl: database.url, mode: "hs256", sendReminders: false });
  origin = await listen(t.app);
  [owner, editor, viewer, stranger] = await Promise.all([
    t.createUser(),
    t.createUser(),
    t.createUser(),
    t.createUser(),
  ]);
  const client = (id: string) => new ApiClient(origin, () => t.tokenFor(id));
  as = {
    owner: client(owner),
    editor: client(editor),
    viewer: client(viewer),
    stranger: client(stranger),
  };
  shared = await makeList(owner, "Household");
  other = await makeList(owner, "Work");
  await addMember(shared, editor, "editor");
  await addMember(shared, viewer, "viewer");
});
afterAll(() => t.close());

const Tasks = z.array(TaskSchema);

describe("lists on the task routes", () => {
  it("creates in the caller's Inbox by default, and in a list given by list_id", async () => {
    const inInbox = await as.editor.create({ title: "Mine" });
    const { rows } = await t.pool.query<{ id: string }>(
      "select id from list where owner_id = $1 and is_inbox",
      [editor],
    );
    expect(inInbox.list_id).toBe(rows[0]?.id);
    expect(inInbox.user_id).toBe(editor);
    expect(inInbox.created_by).toBe(editor);

    const inShared = await as.editor.create({ title: "Bread", list_id: shared });
    // user_id stays "the owner": the owner of the list that holds the task.
    expect(inShared).toMatchObject({ list_id: shared, user_id: owner, created_by: editor });
    expect(await as.owner.get(inShared.id)).toEqual(inShared);
    expect(await as.viewer.get(inShared.id)).toEqual(inShared);
    await as.stranger.problem(404, "GET", `/api/tasks/${inShared.id}`);
  });

  it("refuses a viewer's writes with 403 and a stranger's with 404, changing nothing", async () => {
    const task = await as.owner.create({ title: "Guarded", list_id: shared });
    const viewOnly = await as.viewer.problem(403, "POST", "/api/tasks", {
      title: "x",
      list_id: shared,
    });
    expect(viewOnly.detail).toBe("You can view this list but not change it");
    for (const [method, path, body] of [
      ["PATCH", `/api/tasks/${task.id}`, { title: "changed" }],
      ["PUT", `/api/tasks/${task.id}`, { title: "changed" }],
      ["PATCH", `/api/tasks/${task.id}/complete`, undefined],
      ["POST", `/api/tasks/${task.id}/toggle`, undefined],
      ["DELETE", `/api/tasks/${task.id}`, undefined],
      ["PATCH", `/api/${viewer}/tasks/${task.id}`, { title: "changed" }],
    ] as const) {
      await as.viewer.problem(403, method, path, body);
      await as.stranger.problem(404, method, path.replace(viewer, stranger), body);
    }
    await as.stranger.problem(404, "POST", "/api/tasks", { title: "x", list_id: shared });
    expect(await as.owner.get(task.id)).toEqual(task);
  });

  it("lets an editor edit, complete and delete tasks of the shared list", async () => {
    const task = await as.owner.create({ title: "Shared chore", list_id: shared });
    expect((await as.editor.update(task.id, { priority: "high" })).priority).toBe("high");
    const done = await as.editor.expect(200, TaskSchema, "PATCH", `/api/tasks/${task.id}/complete`);
    expect(done.data.completed).toBe(true);
    await as.editor.expect(204, z.null(), "DELETE", `/api/tasks/${task.id}`);
    await as.owner.problem(404, "GET", `/api/tasks/${task.id}`);
  });

  it("refuses writes to an archived list with 409, and still shows its tasks", async () => {
    const archive = await makeList(owner, "Old");
    await addMember(archive, editor, "editor");
    const task = await as.editor.create({ title: "Before", list_id: archive });
    await t.pool.query("update list set archived = true where id = $1", [archive]);
    await as.editor.problem(409, "PATCH", `/api/tasks/${task.id}`, { title: "After" });
    await as.editor.problem(409, "PATCH", `/api/tasks/${task.id}/complete`);
    await as.editor.problem(409, "DELETE", `/api/tasks/${task.id}`);
    await as.editor.problem(409, "POST", "/api/tasks", { title: "x", list_id: archive });
    await as.owner.problem(409, "PATCH", `/api/tasks/${task.id}`, { list_id: other });
    expect(await as.editor.get(task.id)).toEqual(task);
  });

  it("narrows the list and the counts with list=, and answers 404 for a list the caller is not in", async () => {
    const list = await makeList(owner, "Narrow");
    const inside = await as.owner.create({ title: "Inside", list_id: list });
    await as.owner.create({ title: "Outside" });
    expect((await as.owner.list(`list=${list}`)).map((task) => task.id)).toEqual([inside.id]);
    const inbox = await as.owner.list("list=inbox&limit=500");
    expect(inbox.every((task) => task.list_id === inbox[0]?.list_id)).toBe(true);
    expect(inbox.some((task) => task.title === "Outside")).toBe(true);
    const stats = await as.owner.expect(
      200,
      TaskStatsSchema,
      "GET",
      `/api/tasks/stats?list=${list}`,
    );
    expect(stats.data.all).toBe(1);
    await as.stranger.problem(404, "GET", `/api/tasks?list=${list}`);
    await as.stranger.problem(404, "GET", `/api/tasks/stats?list=${list}`);
    await as.stranger.problem(404, "GET", "/api/tasks?list=00000000-0000-4000-8000-000000000000");
    await as.owner.problem(422, "GET", "/api/tasks?list=groceries");
  });

  it("shows every member the tasks of every list they are in, and nobody else's", async () => {
    const own = await as.viewer.create({ title: "Viewer's own" });
    const seen = await as.viewer.walk("limit=7");
    const ids = new Set(seen.map((task) => task.id));
    expect(ids.has(own.id)).toBe(true);
    const { rows } = await t.pool.query<{ id: string }>(
      `select t.id from task t join list_member m on m.list_id = t.list_id where m.user_id = $1`,
      [viewer],
    );
    expect(ids).toEqual(new Set(rows.map((row) => row.id)));
    const strangers = await as.stranger.walk("limit=500");
    expect(strangers.filter((task) => task.list_id === shared)).toEqual([]);
  });
});

describe("subtasks", () => {
  it("adds a subtask in its parent's list, counts direct subtasks, lists with parent=", async () => {
    const parent = await as.editor.create({ title: "Party", list_id: shared });
    const a = await as.editor.create({ title: "Cake", parent_id: parent.id });
    const b = await as.owner.create({ title: "Music", parent_id: parent.id, list_id: shared });
    expect(a).toMatchObject({ list_id: shared, parent_id: parent.id });
    await as.owner.expect(200, TaskSchema, "PATCH", `/api/tasks/${b.id}/complete`);
    const read = await as.viewer.get(parent.id);
    expect(read).toMatchObject({ subtask_count: 2, completed_subtask_count: 1 });
    const children = await as.viewer.list(`parent=${parent.id}`);
    expect(new Set(children.map((task) => task.id))).toEqual(new Set([a.id, b.id]));
    const top = await as.viewer.list(`parent=none&list=${shared}&limit=500`);
    expect(top.some((task) => task.id === parent.id)).toBe(true);
    expect(top.some((task) => task.id === a.id)).toBe(false);
    // The counts come with every read of the task, the list included.
    const listed = (await as.owner.list(`list=${shared}&limit=500`)).find(
      (x) => x.id === parent.id,
    );
    expect(listed).toMatchObject({ subtask_count: 2, completed_subtask_count: 1 });
  });

  it("refuses a parent in another list, one the caller cannot see, or the task itself (422 naming parent_id)", async () => {
    const parent = await as.owner.create({ title: "Here", list_id: shared });
    const elsewhere = await as.owner.create({ title: "There", list_id: other });
    const strangers = await as.stranger.create({ title: "Stranger's" });
    for (const [client, body] of [
      [as.owner, { title: "x", parent_id: parent.id, list_id: other }],
      [as.editor, { title: "x", parent_id: strangers.id }],
      [as.editor, { title: "x", parent_id: elsewhere.id }],
    ] as const) {
      const problem = await client.problem(422, "POST", "/api/tasks", body);
      expect(problem.errors?.map((error) => error.field)).toContain("parent_id");
    }
    const self = await as.owner.problem(422, "PATCH", `/api/tasks/${parent.id}`, {
      parent_id: parent.id,
    });
    expect(self.errors?.map((error) => error.field)).toEqual(["parent_id"]);
    const count = await t.pool.query("select 1 from task where title = 'x'");
    expect(count.rowCount).toBe(0);
  });

  it("nests at most 4 levels, on create and on a move of a whole subtree", async () => {
    const chain: Task[] = [await as.owner.create({ title: "L1", list_id: shared })];
    for (const level of [2, 3, 4]) {
      chain.push(await as.owner.create({ title: `L${level}`, parent_id: chain.at(-1)?.id }));
    }
    const tooDeep = await as.owner.problem(422, "POST", "/api/tasks", {
      title: "L5",
      parent_id: chain[3]?.id,
    });
    expect(tooDeep.errors?.[0]?.field).toBe("parent_id");
    // A task with one subtask (two levels) fits under L3's parent (L2) but not under L3.
    const pair = await as.owner.create({ title: "P", list_id: shared });
    await as.owner.create({ title: "P child", parent_id: pair.id });
    await as.owner.update(pair.id, { parent_id: chain[1]?.id });
    await as.owner.problem(422, "PATCH", `/api/tasks/${pair.id}`, { parent_id: chain[2]?.id });
    expect((await stored(pair.id))?.parent_id).toBe(chain[1]?.id);
  });

  it("never makes a task its own ancestor, also when two moves race", async () => {
    const a = await as.owner.create({ title: "A", list_id: shared });
    const b = await as.owner.create({ title: "B", parent_id: a.id });
    const cycle = await as.owner.problem(422, "PATCH", `/api/tasks/${a.id}`, {
      parent_id: b.id,
    });
    expect(cycle.errors?.[0]?.field).toBe("parent_id");
    for (let round = 0; round < 5; round++) {
      const x = await as.owner.create({ title: `X${round}`, list_id: shared });
      const y = await as.owner.create({ title: `Y${round}`, list_id: shared });
      const answers = await Promise.all([
        as.owner.request("PATCH", `/api/tasks/${x.id}`, { parent_id: y.id }),
        as.editor.request("PATCH", `/api/tasks/${y.id}`, { parent_id: x.id }),
      ]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 422]);
      const [sx, sy] = [await stored(x.id), await stored(y.id)];
      expect(sx?.parent_id === y.id && sy?.parent_id === x.id).toBe(false);
    }
  });

  it("completes open subtasks at every level in one go; reopening leaves them completed", async () => {
    const top = await as.owner.create({ title: "Trip", list_id: shared });
    const mid = await as.owner.create({ title: "Pack", parent_id: top.id });
    const leaf = await as.owner.create({ title: "Socks", parent_id: mid.id });
    const done = await as.editor.expect(200, TaskSchema, "POST", `/api/tasks/${top.id}/toggle`);
    expect(done.data).toMatchObject({
      completed: true,
      subtask_count: 1,
      completed_subtask_count: 1,
    });
    expect((await stored(mid.id))?.completed).toBe(true);
    expect((await stored(leaf.id))?.completed).toBe(true);
    const reopened = await as.editor.expect(200, TaskSchema, "PATCH", `/api/tasks/${top.id}`, {
      completed: false,
    });
    expect(reopened.data.completed).toBe(false);
    expect((await stored(mid.id))?.completed).toBe(true);
  });

  it("deletes subtasks with their task", async () => {
    const top = await as.owner.create({ title: "Gone", list_id: shared });
    const mid = await as.owner.create({ title: "Gone too", parent_id: top.id });
    const leaf = await as.owner.create({ title: "Also gone", parent_id: mid.id });
    await as.editor.expect(204, z.null(), "DELETE", `/api/tasks/${top.id}`);
    expect(await stored(mid.id)).toBeUndefined();
    expect(await stored(leaf.id)).toBeUndefined();
  });

  it("gives a recurring task's next occurrence fresh, open copies of its subtasks", async () => {
    const weekly = await as.owner.create({
      title: "Weekly shop",
      list_id: shared,
      due_date: "2026-03-02",
      recurrence: "FREQ=WEEKLY",
    });
    const milk = await as.owner.create({ title: "Milk", parent_id: weekly.id });
    await as.owner.create({ title: "Skimmed", parent_id: milk.id });
    await as.owner.create({ title: "Eggs", parent_id: weekly.id, completed: true });
    const done = await as.editor.request("PATCH", `/api/tasks/${weekly.id}/complete`);
    expect(done.status).toBe(200);
    const nextId = /<[^>]*\/([0-9a-f-]{36})>; rel="next-occurrence"/.exec(
      done.headers.get("link") ?? "",
    )?.[1];
    if (!nextId) throw new Error("no next occurrence");
    const next = await as.owner.get(nextId);
    expect(next).toMatchObject({
      due_date: "2026-03-09",
      subtask_count: 2,
      completed_subtask_count: 0,
    });
    const copies = await as.owner.list(`parent=${nextId}&sort=title`);
    expect(copies.map((task) => [task.title, task.completed])).toEqual([
      ["Eggs", false],
      ["Milk", false],
    ]);
    const deeper = await as.owner.list(`parent=${copies[1]?.id}`);
    expect(deeper.map((task) => task.title)).toEqual(["Skimmed"]);
    // The completed occurrence keeps its own subtasks, all completed now.
    const old = await as.owner.list(`parent=${weekly.id}&limit=500`);
    expect(old.every((task) => task.completed)).toBe(true);
  });
});

describe("subtask counts", () => {
  it("hold when a task is completed while its subtasks are ticked at the same moment", async () => {
    for (let round = 0; round < 3; round++) {
      const top = await as.owner.create({ title: `Race ${round}`, list_id: shared });
      const children = await Promise.all(
        [1, 2, 3, 4].map((n) => as.owner.create({ title: `Part ${n}`, parent_id: top.id })),
      );
      const answers = await Promise.all([
        as.owner.request("PATCH", `/api/tasks/${top.id}/complete`, { completed: true }),
        ...children.map((child) => as.editor.request("POST", `/api/tasks/${child.id}/toggle`)),
      ]);
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
      const read = await as.owner.get(top.id);
      const { rows } = await t.pool.query<{ done: number }>(
        "select count(*) filter (where completed)::int as done from task where parent_id = $1",
        [top.id],
      );
      expect(read).toMatchObject({ subtask_count: 4, completed_subtask_count: rows[0]?.done });
    }
  });
});

describe("moves between lists", () => {
  it("moves a task with its subtasks; a subtask moved alone leaves its parent", async () => {
    const top = await as.owner.create({ title: "Move me", list_id: shared });
    const child = await as.owner.create({ title: "Along", parent_id: top.id });
    const grandchild = await as.owner.create({ title: "Along too", parent_id: child.id });
    const moved = await as.owner.update(top.id, { list_id: other });
    expect(moved.list_id).toBe(other);
    expect((await stored(child.id))?.list_id).toBe(other);
    expect((await stored(grandchild.id))?.list_id).toBe(other);
    // The editor is not in "Work": the moved tasks are gone from their view.
    await as.editor.problem(404, "GET", `/api/tasks/${child.id}`);

    const alone = await as.owner.update(grandchild.id, { list_id: shared });
    expect(alone).toMatchObject({ list_id: shared, parent_id: null });
    expect((await stored(child.id))?.list_id).toBe(other);
  });

  it("needs write on both lists: 403 for a viewer's target, 404 for a list the caller is not in", async () => {
    const viewOnly = await makeList(owner, "View only");
    await addMember(viewOnly, editor, "viewer");
    const task = await as.editor.create({ title: "Stay", list_id: shared });
    await as.editor.problem(403, "PATCH", `/api/tasks/${task.id}`, { list_id: viewOnly });
    await as.editor.problem(404, "PATCH", `/api/tasks/${task.id}`, { list_id: other });
    const own = await as.editor.create({ title: "Editor's" });
    await as.viewer.problem(404, "PATCH", `/api/tasks/${own.id}`, { list_id: shared });
    expect((await stored(task.id))?.list_id).toBe(shared);
  });

  it("unassigns people who are not members of the list a task moves to", async () => {
    const task = await as.owner.create({ title: "Assigned", list_id: shared, assignee_id: editor });
    const child = await as.owner.create({ title: "Sub", parent_id: task.id, assignee_id: owner });
    expect(task.assignee_id).toBe(editor);
    const moved = await as.owner.update(task.id, { list_id: other });
    expect(moved.assignee_id).toBeNull();
    expect((await as.owner.get(child.id)).assignee_id).toBe(owner);
  });
});

describe("assignees", () => {
  it("takes a member of the list, refuses anyone else with 422 naming assignee_id", async () => {
    const task = await as.editor.create({ title: "Chore", list_id: shared });
    expect((await as.editor.update(task.id, { assignee_id: viewer })).assignee_id).toBe(viewer);
    const problem = await as.editor.problem(422, "PATCH", `/api/tasks/${task.id}`, {
      assignee_id: stranger,
    });
    expect(problem.errors?.[0]?.field).toBe("assignee_id");
    expect((await as.editor.update(task.id, { assignee_id: null })).assignee_id).toBeNull();
  });

  it("filters by assignee, and leaves tasks assigned to others out of the views and counts", async () => {
    const list = await makeList(owner, "Chores");
    await addMember(list, editor, "editor");
    const today = "2026-05-01";
    const mine = await as.owner.create({
      title: "Mine",
      list_id: list,
      due_date: today,
      assignee_id: owner,
    });
    const theirs = await as.owner.create({
      title: "Theirs",
      list_id: list,
      due_date: today,
      assignee_id: editor,
    });
    const nobody = await as.owner.create({ title: "Nobody's", list_id: list, due_date: today });
    const ids = (tasks: Task[]) => new Set(tasks.map((task) => task.id));
    expect(ids(await as.owner.list(`list=${list}&assignee=me`))).toEqual(new Set([mine.id]));
    expect(ids(await as.owner.list(`list=${list}&assignee=none`))).toEqual(new Set([nobody.id]));
    expect(ids(await as.owner.list(`list=${list}&assignee=${editor}`))).toEqual(
      new Set([theirs.id]),
    );
    expect(ids(await as.owner.list(`list=${list}`))).toEqual(
      new Set([mine.id, theirs.id, nobody.id]),
    );
    expect(ids(await as.owner.list(`list=${list}&view=today&today=${today}`))).toEqual(
      new Set([mine.id, nobody.id]),
    );
    expect(ids(await as.editor.list(`list=${list}&view=today&today=${today}`))).toEqual(
      new Set([theirs.id, nobody.id]),
    );
    const stats = await as.owner.expect(
      200,
      TaskStatsSchema,
      "GET",
      `/api/tasks/stats?list=${list}&today=${today}`,
    );
    expect(stats.data).toMatchObject({ all: 2, today: 2 });
  });
});

describe("older clients", () => {
  it("see their own tasks exactly as before under both address shapes", async () => {
    const loner = await t.createUser();
    const client = new ApiClient(origin, () => t.tokenFor(loner));
    const task = await client.create({ title: "Alone" });
    expect(task.user_id).toBe(loner);
    const [viaPath] = (
      await client.expect(200, Tasks, "GET", `/api/${encodeURIComponent(loner)}/tasks`)
    ).data;
    expect(viaPath).toEqual(task);
  });
});

describe("after everything above", () => {
  it("every task's subtask counts equal its subtasks", async () => {
    const { rows } = await t.pool.query<{ id: string }>(`
      select p.id from task p
      where p.subtask_count <> (select count(*) from task c where c.parent_id = p.id)
         or p.completed_subtask_count
            <> (select count(*) from task c where c.parent_id = p.id and c.completed)`);
    expect(rows).toEqual([]);
  });
});
