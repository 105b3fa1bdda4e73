// The MCP tools over lists and roles, on a real socket with the official MCP SDK client.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { task } from "@taskbridge/db/schema";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ListSchema } from "@taskbridge/shared/list";
import { TaskSchema } from "@taskbridge/shared/task";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { TEST_AUDIENCE, type TestIssuer } from "./support/issuer.ts";
import { connectedUser, connectMcp } from "./support/mcp.ts";

const database = await useTestDatabase();

const VIEW_ONLY = "You can view this list but not change it";
const ARCHIVED = "This list is archived: its tasks cannot be changed";

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

/** A user who connected an assistant, with a client for it. */
async function assistantOf(scope = "tasks:read tasks:write") {
  const { userId, token } = await connectedUser(t, issuer, scope);
  return { userId, client: await connectMcp(origin, token) };
}

const Answer = z.object({
  content: z.array(z.object({ type: z.string(), text: z.string().optional() })),
  structuredContent: z.record(z.string(), z.unknown()).optional(),
  isError: z.boolean().optional(),
});

async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
  const answer = Answer.parse(await client.callTool({ name, arguments: args }));
  return { ...answer, text: answer.content[0]?.text ?? "" };
}

const TaskResult = z.object({ task: TaskSchema });
const TasksResult = z.object({ tasks: z.array(TaskSchema), more: z.boolean() });
const ListsResult = z.object({ lists: z.array(ListSchema) });

async function added(client: Client, args: Record<string, unknown>) {
  const answer = await call(client, "add_task", args);
  expect(answer.isError, answer.text).toBeFalsy();
  return TaskResult.parse(answer.structuredContent).task;
}

async function listed(client: Client, args: Record<string, unknown> = {}) {
  const answer = await call(client, "list_tasks", args);
  expect(answer.isError, answer.text).toBeFalsy();
  return TasksResult.parse(answer.structuredContent).tasks;
}

/** A list as the web app's "new list" makes one (the trigger adds the owner's member row). */
async function createList(ownerId: string, name: string): Promise<string> {
  const { rows } = await t.pool.query<{ id: string }>(
    "insert into list (owner_id, name) values ($1, $2) returning id",
    [ownerId, name],
  );
  const id = rows[0]?.id;
  if (!id) throw new Error("no list made");
  return id;
}

async function share(listId: string, userId: string, role: "editor" | "viewer") {
  await t.pool.query("insert into list_member (user_id, list_id, role) values ($1, $2, $3)", [
    userId,
    listId,
    role,
  ]);
}

async function archive(listId: string) {
  await t.pool.query("update list set archived = true where id = $1", [listId]);
}

async function inboxOf(userId: string): Promise<string> {
  const { rows } = await t.pool.query<{ id: string }>(
    "select id from list where owner_id = $1 and is_inbox",
    [userId],
  );
  const id = rows[0]?.id;
  if (!id) throw new Error("no inbox");
  return id;
}

const rowOf = async (id: string) => (await t.db.select().from(task).where(eq(task.id, id)))[0];
const rowsIn = (listId: string) => t.db.select().from(task).where(eq(task.listId, listId));

const restGet = async (userId: string, path: string) => {
  const response = await fetch(`${origin}${path}`, {
    headers: { authorization: `Bearer ${await issuer.sign(userId)}` },
  });
  expect(response.status, path).toBe(200);
  return response.json();
};

describe("MCP tools and lists", () => {
  it("advertises list_lists and the list and parent inputs", async () => {
    const { client } = await assistantOf();
    const { tools } = await client.listTools();
    const tool = (name: string) => tools.find((each) => each.name === name);
    const inputs = (name: string) => Object.keys(tool(name)?.inputSchema.properties ?? {});
    expect(tool("list_lists")?.annotations?.readOnlyHint).toBe(true);
    expect(Object.keys(tool("list_lists")?.outputSchema?.properties ?? {})).toEqual(["lists"]);
    expect(inputs("add_task")).toEqual(expect.arrayContaining(["title", "list", "parent_id"]));
    expect(inputs("list_tasks")).toEqual(expect.arrayContaining(["list", "parent", "assignee"]));
    expect(inputs("list_tasks")).not.toContain("cursor");
    expect(inputs("update_task")).toEqual(expect.arrayContaining(["task_id", "list", "parent_id"]));
    for (const name of ["add_task", "list_tasks", "update_task"])
      expect(tool(name)?.description, name).toContain("list_lists");
    await client.close();
  });

  it("list_lists shows the caller's own and shared lists: Inbox first, then by name, no archived ones", async () => {
    const { userId, client } = await assistantOf();
    const friend = await t.createUser();
    const groceries = await createList(userId, "Groceries");
    const bread = await createList(userId, "bread");
    await archive(await createList(userId, "Old trip"));
    const apartment = await createList(friend, "Apartment");
    await share(apartment, userId, "viewer");
    const secret = await createList(friend, "Secret");
    const milk = await added(client, { title: "Milk", list: "Groceries" });
    await added(client, { title: "Eggs", list: "Groceries" });
    await call(client, "complete_task", { task_id: milk.id });

    const answer = await call(client, "list_lists");
    expect(answer.isError).toBeFalsy();
    const { lists } = ListsResult.parse(answer.structuredContent);
    const inbox = await inboxOf(userId);
    expect(
      lists.map((list) => [list.name, list.role, list.member_count, list.pending_count]),
    ).toEqual([
      ["Inbox", "owner", 1, 0],
      ["Apartment", "viewer", 2, 0],
      ["bread", "owner", 1, 0],
      ["Groceries", "owner", 1, 1],
    ]);
    expect(lists.map((list) => list.id)).toEqual([inbox, apartment, bread, groceries]);
    expect(lists[0]).toMatchObject({ is_inbox: true, archived: false, owner_id: userId });
    expect(lists[1]).toMatchObject({ is_inbox: false, color: "gray", owner_id: friend });
    expect(lists.map((list) => list.id)).not.toContain(secret);
    // The text an assistant reads names each list with its id and the caller's role.
    expect(answer.text).toContain("4 lists:");
    expect(answer.text).toContain(`- Apartment: viewer, 2 members, 0 pending (${apartment})`);
    expect(answer.text).toContain(`- Groceries: owner, 1 pending (${groceries})`);

    // A token that may only read may list the lists too.
    const reader = await assistantOf("tasks:read");
    const readersLists = await call(reader.client, "list_lists");
    expect(ListsResult.parse(readersLists.structuredContent).lists.map((l) => l.name)).toEqual([
      "Inbox",
    ]);
    await client.close();
    await reader.client.close();
  });

  it("add_task puts a task into a list named by id or by name in any case, or under a parent", async () => {
    const { userId, client } = await assistantOf();
    const groceries = await createList(userId, "Groceries");
    const inbox = await inboxOf(userId);

    const byName = await call(client, "add_task", { title: "Milk", list: "  gROCERIES " });
    expect(byName.text).toBe('Added "Milk" to Groceries.');
    const milk = TaskResult.parse(byName.structuredContent).task;
    expect(milk).toMatchObject({ list_id: groceries, parent_id: null, created_by: userId });

    const byId = await added(client, { title: "Bread", list: groceries.toUpperCase() });
    expect(byId.list_id).toBe(groceries);

    const sub = await call(client, "add_task", { title: "Oat milk", parent_id: milk.id });
    expect(sub.text).toBe('Added "Oat milk" as a subtask.');
    const oat = TaskResult.parse(sub.structuredContent).task;
    expect(oat).toMatchObject({ list_id: groceries, parent_id: milk.id });
    const both = await added(client, { title: "Barista", list: "groceries", parent_id: oat.id });
    expect(both).toMatchObject({ list_id: groceries, parent_id: oat.id });

    expect((await added(client, { title: "Call mum" })).list_id).toBe(inbox);
    expect((await added(client, { title: "Post", list: "INBOX" })).list_id).toBe(inbox);

    // What the tool answered is what REST shows, subtask counts included.
    expect(await restGet(userId, `/api/tasks/${milk.id}`)).toEqual({
      ...milk,
      subtask_count: 1,
      updated_at: expect.any(String),
    });
    expect(await restGet(userId, `/api/tasks/${both.id}`)).toEqual(both);

    // A parent in another list than the one named is refused as REST refuses it.
    const crossed = await call(client, "add_task", {
      title: "X",
      list: "inbox",
      parent_id: milk.id,
    });
    expect(crossed.isError).toBe(true);
    expect(crossed.text).toBe(
      "Validation failed: parent_id: The parent must be in the same list as the task",
    );
    const unknown = await call(client, "add_task", { title: "Nails", list: "Hardware" });
    expect(unknown).toMatchObject({ isError: true, text: "List not found" });
    expect(await rowsIn(groceries)).toHaveLength(4);
    expect(await rowsIn(inbox)).toHaveLength(2);
    await client.close();
  });

  it("asks for the id when two lists have the name", async () => {
    const { userId, client } = await assistantOf();
    const friend = await t.createUser();
    const mine = await createList(userId, "Projects");
    const theirs = await createList(friend, "PROJECTS");
    await share(theirs, userId, "editor");
    const answer = await call(client, "add_task", { title: "Plan", list: "projects" });
    expect(answer.isError).toBe(true);
    expect(answer.text).toContain('More than one of your lists is named "projects"');
    expect(answer.text).toContain(mine);
    expect(answer.text).toContain(theirs);
    expect(answer.text).toContain("Give the list's id");
    expect((await call(client, "list_tasks", { list: "Projects" })).isError).toBe(true);
    expect([...(await rowsIn(mine)), ...(await rowsIn(theirs))]).toEqual([]);
    // The id settles it.
    expect((await added(client, { title: "Plan", list: theirs })).list_id).toBe(theirs);
    // An archived namesake does not make a name ambiguous.
    await archive(mine);
    expect((await added(client, { title: "Plan B", list: "projects" })).list_id).toBe(theirs);
    await client.close();
  });

  it("list_tasks reads one list, by name, id or inbox, as the REST list does", async () => {
    const { userId, client } = await assistantOf();
    const groceries = await createList(userId, "Groceries");
    const inbox = await inboxOf(userId);
    const milk = await added(client, { title: "Milk", list: "Groceries" });
    const oat = await added(client, { title: "Oat milk", parent_id: milk.id });
    const call_ = await added(client, { title: "Call mum" });

    const fromGroceries = await listed(client, { list: "GROCERIES" });
    expect(fromGroceries.map((x) => x.id)).toEqual([oat.id, milk.id]);
    expect(fromGroceries).toEqual(await restGet(userId, `/api/tasks?list=${groceries}`));
    expect((await listed(client, { list: groceries })).map((x) => x.id)).toEqual([oat.id, milk.id]);
    expect((await listed(client, { list: "inbox" })).map((x) => x.id)).toEqual([call_.id]);
    expect((await listed(client, { list: "Groceries", parent: "none" })).map((x) => x.id)).toEqual([
      milk.id,
    ]);
    expect((await listed(client, { parent: milk.id })).map((x) => x.id)).toEqual([oat.id]);

    const one = await call(client, "list_tasks", { list: "groceries", parent: "none" });
    expect(one.text).toBe(`1 task in Groceries:\n- [ ] Milk (${milk.id})`);
    // Across lists, each line names its list.
    const all = await call(client, "list_tasks", {});
    expect(all.text).toContain(`- [ ] Call mum in Inbox (${call_.id})`);
    expect(all.text).toContain(`- [ ] Milk in Groceries (${milk.id})`);
    expect(
      TasksResult.parse(all.structuredContent)
        .tasks.map((x) => x.list_id)
        .sort(),
    ).toEqual([groceries, groceries, inbox].sort());

    const other = await t.createUser();
    const foreign = await createList(other, "Groceries 2");
    for (const list of ["Hardware", foreign, "Groceries 2"]) {
      const answer = await call(client, "list_tasks", { list });
      expect(answer, list).toMatchObject({ isError: true, text: "List not found" });
    }
    await client.close();
  });

  describe("roles", () => {
    async function familyList() {
      const owner = await assistantOf();
      const family = await createList(owner.userId, "Family");
      const chore = await added(owner.client, {
        title: "Mow the lawn",
        list: "Family",
        due_date: "2099-06-01",
      });
      return { owner, family, chore };
    }

    it("a viewer reads a shared list but cannot add, complete, update or delete there", async () => {
      const { owner, family, chore } = await familyList();
      const viewer = await assistantOf();
      await share(family, viewer.userId, "viewer");
      const before = await rowOf(chore.id);

      const lists = ListsResult.parse((await call(viewer.client, "list_lists")).structuredContent);
      expect(lists.lists.find((list) => list.id === family)?.role).toBe("viewer");
      expect(await listed(viewer.client, { list: "family" })).toEqual([
        { ...chore, updated_at: expect.any(String) },
      ]);

      const refusals = [
        ["add_task", { title: "Sneaky", list: "Family" }],
        ["add_task", { title: "Sneaky", list: family }],
        ["add_task", { title: "Sneaky sub", parent_id: chore.id }],
        ["complete_task", { task_id: chore.id }],
        ["complete_task", { task_id: chore.id, completed: true }],
        ["update_task", { task_id: chore.id, title: "Mine now" }],
        ["update_task", { task_id: chore.id, list: "inbox" }],
        ["delete_task", { task_id: chore.id }],
      ] as const;
      for (const [tool, args] of refusals) {
        const answer = await call(viewer.client, tool, args);
        expect(answer.isError, `${tool} ${JSON.stringify(args)}`).toBe(true);
        expect(answer.text, `${tool} ${JSON.stringify(args)}`).toBe(VIEW_ONLY);
      }
      expect(await rowOf(chore.id)).toEqual(before);
      expect(await rowsIn(family)).toHaveLength(1);
      expect(await rowsIn(await inboxOf(viewer.userId))).toEqual([]);
      await owner.client.close();
      await viewer.client.close();
    });

    it("an editor adds, completes, updates, moves and deletes in a shared list", async () => {
      const { owner, family, chore } = await familyList();
      const editor = await assistantOf();
      await share(family, editor.userId, "editor");

      const sub = await added(editor.client, { title: "Fill the tank", parent_id: chore.id });
      expect(sub).toMatchObject({
        list_id: family,
        user_id: owner.userId,
        created_by: editor.userId,
      });
      const own = await added(editor.client, { title: "Sweep", list: "family" });
      expect(own.list_id).toBe(family);

      const done = await call(editor.client, "complete_task", { task_id: chore.id });
      expect(done.text).toBe('"Mow the lawn" is completed.');
      expect((await rowOf(sub.id))?.completed).toBe(true);

      const renamed = await call(editor.client, "update_task", {
        task_id: chore.id,
        title: "Mow the front lawn",
      });
      expect(TaskResult.parse(renamed.structuredContent).task.title).toBe("Mow the front lawn");

      // Moving to the editor's own Inbox takes the subtask along.
      const inbox = await inboxOf(editor.userId);
      const moved = await call(editor.client, "update_task", { task_id: chore.id, list: "Inbox" });
      expect(moved.text).toBe('Updated "Mow the front lawn" (in Inbox) (due 2099-06-01).');
      expect(TaskResult.parse(moved.structuredContent).task).toMatchObject({
        list_id: inbox,
        user_id: editor.userId,
      });
      expect((await rowOf(sub.id))?.listId).toBe(inbox);
      // And back, now as a subtask of one of the list's tasks.
      const back = await call(editor.client, "update_task", {
        task_id: chore.id,
        list: family,
        parent_id: own.id,
      });
      expect(TaskResult.parse(back.structuredContent).task).toMatchObject({
        list_id: family,
        parent_id: own.id,
      });

      const deleted = await call(editor.client, "delete_task", { task_id: own.id });
      expect(deleted.isError).toBeFalsy();
      expect(await rowsIn(family)).toEqual([]);
      await owner.client.close();
      await editor.client.close();
    });

    it("a non-member gets Task not found for the list's tasks and List not found for the list", async () => {
      const { owner, family, chore } = await familyList();
      const stranger = await assistantOf();
      const before = await rowOf(chore.id);
      for (const [tool, args] of [
        ["complete_task", { task_id: chore.id }],
        ["update_task", { task_id: chore.id, title: "Mine now" }],
        ["delete_task", { task_id: chore.id }],
      ] as const) {
        const answer = await call(stranger.client, tool, args);
        expect(answer, tool).toMatchObject({ isError: true, text: "Task not found" });
      }
      for (const list of [family, "Family"]) {
        const answer = await call(stranger.client, "add_task", { title: "In", list });
        expect(answer, list).toMatchObject({ isError: true, text: "List not found" });
        const read = await call(stranger.client, "list_tasks", { list });
        expect(read, list).toMatchObject({ isError: true, text: "List not found" });
      }
      // Moving one's own task into the list is refused the same way.
      const mine = await added(stranger.client, { title: "Mine" });
      const move = await call(stranger.client, "update_task", { task_id: mine.id, list: family });
      expect(move).toMatchObject({ isError: true, text: "List not found" });
      // Another person's task as a parent does not exist either.
      const sub = await call(stranger.client, "add_task", { title: "In", parent_id: chore.id });
      expect(sub).toMatchObject({
        isError: true,
        text: "Validation failed: parent_id: No such task",
      });

      const lists = ListsResult.parse(
        (await call(stranger.client, "list_lists")).structuredContent,
      );
      expect(lists.lists.map((list) => list.id)).not.toContain(family);
      expect(await listed(stranger.client)).toEqual([{ ...mine, updated_at: expect.any(String) }]);
      expect(await rowOf(chore.id)).toEqual(before);
      expect((await rowsIn(family)).map((row) => row.id)).toEqual([chore.id]);
      await owner.client.close();
      await stranger.client.close();
    });

    it("an archived list's tasks are read-only, and the refusal says why", async () => {
      const { owner, family, chore } = await familyList();
      await archive(family);
      const before = await rowOf(chore.id);
      for (const [tool, args] of [
        ["add_task", { title: "More", list: "Family" }],
        ["complete_task", { task_id: chore.id }],
        ["update_task", { task_id: chore.id, title: "Changed" }],
        ["delete_task", { task_id: chore.id }],
      ] as const) {
        const answer = await call(owner.client, tool, args);
        expect(answer, tool).toMatchObject({ isError: true, text: ARCHIVED });
      }
      expect(await rowOf(chore.id)).toEqual(before);
      expect((await listed(owner.client, { list: "family" })).map((x) => x.id)).toEqual([chore.id]);
      const lists = ListsResult.parse((await call(owner.client, "list_lists")).structuredContent);
      expect(lists.lists.map((list) => list.name)).toEqual(["Inbox"]);
      await owner.client.close();
    });
  });
});
