// Lists and their members over real HTTP, on a real database, with real signed tokens.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  InviteCreatedSchema,
  InviteSchema,
  ListSchema,
  MemberSchema,
  OWNED_LISTS_MAX,
  type List,
} from "@taskbridge/shared/list";
import { ProblemSchema } from "@taskbridge/shared/problem";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { ApiClient, listen } from "./support/http.ts";

const database = await useTestDatabase();
let t: TestApp;
let origin: string;

beforeAll(async () => {
  t = await buildTestApp({ databaseUrl: database.url, mode: "hs256" });
  origin = await listen(t.app);
});
afterAll(() => t.close());

const VIEW_ONLY = "You can view this list but not change it";
const Lists = z.array(ListSchema);
const Members = z.array(MemberSchema);

interface Person {
  id: string;
  api: ApiClient;
}

async function person(): Promise<Person> {
  const id = await t.createUser();
  const token = await t.tokenFor(id);
  return { id, api: new ApiClient(origin, () => token) };
}

async function createList(owner: Person, name: string, color?: string): Promise<List> {
  const body = color === undefined ? { name } : { name, color };
  return (await owner.api.expect(201, ListSchema, "POST", "/api/lists", body)).data;
}

/** Makes `member` a member of `listId` with `role`, the way people do: an invite link. */
async function share(
  owner: Person,
  listId: string,
  member: Person,
  role: "editor" | "viewer",
): Promise<void> {
  const invite = await owner.api.expect(
    201,
    InviteCreatedSchema,
    "POST",
    `/api/lists/${listId}/invites`,
    { role },
  );
  await member.api.expect(200, ListSchema, "POST", `/api/invites/${invite.data.token}/accept`);
}

async function listsOf(who: Person, query = ""): Promise<List[]> {
  return (await who.api.expect(200, Lists, "GET", `/api/lists${query}`)).data;
}

async function getList(who: Person, id: string): Promise<List> {
  return (await who.api.expect(200, ListSchema, "GET", `/api/lists/${id}`)).data;
}

describe("creating, reading, changing and deleting a list", () => {
  it("creates one: 201, Location, a trimmed name, the default colour, the caller as owner", async () => {
    const owner = await person();
    const created = await owner.api.expect(201, ListSchema, "POST", "/api/lists", {
      name: "  Groceries  ",
    });
    expect(created.data).toMatchObject({
      name: "Groceries",
      color: "gray",
      is_inbox: false,
      archived: false,
      owner_id: owner.id,
      owner_name: `User ${owner.id}`,
      role: "owner",
      member_count: 1,
      pending_count: 0,
      task_count: 0,
    });
    expect(created.headers.get("location")).toBe(`/api/lists/${created.data.id}`);
    expect(await getList(owner, created.data.id)).toEqual(created.data);
    const members = await owner.api.expect(
      200,
      Members,
      "GET",
      `/api/lists/${created.data.id}/members`,
    );
    expect(members.data).toEqual([expect.objectContaining({ user_id: owner.id, role: "owner" })]);
  });

  it.each([
    ["an empty name", { name: "" }, "name"],
    ["a blank name", { name: "   " }, "name"],
    ["a name of 101 characters", { name: "x".repeat(101) }, "name"],
    ["a name with NUL", { name: "a\u0000b" }, "name"],
    ["no name", { color: "red" }, "name"],
    ["an unknown colour", { name: "Work", color: "magenta" }, "color"],
    ["an unknown field", { name: "Work", archived_at: null }, "body"],
    ["a read-only field", { name: "Work", is_inbox: true }, "body"],
  ])("refuses %s with 422 naming the field", async (_what, body, field) => {
    const owner = await person();
    const problem = await owner.api.problem(422, "POST", "/api/lists", body);
    expect(problem.errors?.map((error) => error.field)).toContain(field);
    expect(await listsOf(owner)).toHaveLength(1);
  });

  it("takes a name of exactly 100 characters", async () => {
    const owner = await person();
    expect((await createList(owner, "y".repeat(100))).name).toHaveLength(100);
  });

  it("refuses a bad query or an unknown field of a change with 422", async () => {
    const owner = await person();
    const list = await createList(owner, "Work");
    const archived = await owner.api.problem(422, "GET", "/api/lists?archived=maybe");
    expect(archived.errors?.map((error) => error.field)).toContain("querystring.archived");
    await owner.api.problem(422, "GET", "/api/lists?sort=name");
    await owner.api.problem(422, "PATCH", `/api/lists/${list.id}`, { owner_id: "someone" });
    await owner.api.problem(422, "PATCH", `/api/lists/${list.id}`, { name: "" });
    await owner.api.problem(422, "PATCH", `/api/lists/${list.id}`, { archived: "yes" });
    expect(await getList(owner, list.id)).toEqual(list);
  });

  it("renames, recolours, archives and restores; an archived list is listed only on request", async () => {
    const owner = await person();
    const list = await createList(owner, "Work");
    const renamed = await owner.api.expect(200, ListSchema, "PATCH", `/api/lists/${list.id}`, {
      name: " Office ",
      color: "teal",
    });
    expect(renamed.data).toMatchObject({ id: list.id, name: "Office", color: "teal" });
    expect(renamed.data.updated_at >= list.updated_at).toBe(true);
    expect(renamed.data.created_at).toBe(list.created_at);

    const archived = await owner.api.expect(200, ListSchema, "PATCH", `/api/lists/${list.id}`, {
      archived: true,
    });
    expect(archived.data.archived).toBe(true);
    expect((await listsOf(owner)).map((l) => l.id)).not.toContain(list.id);
    expect((await listsOf(owner, "?archived=false")).map((l) => l.id)).not.toContain(list.id);
    expect((await listsOf(owner, "?archived=true")).map((l) => l.id)).toContain(list.id);
    expect((await getList(owner, list.id)).archived).toBe(true);

    // The owner may still change an archived list: rename it, and restore it.
    const restored = await owner.api.expect(200, ListSchema, "PATCH", `/api/lists/${list.id}`, {
      name: "Office 2",
      archived: false,
    });
    expect(restored.data).toMatchObject({ name: "Office 2", archived: false });
    expect((await listsOf(owner)).map((l) => l.id)).toContain(list.id);

    const unchanged = await owner.api.expect(200, ListSchema, "PATCH", `/api/lists/${list.id}`, {});
    expect(unchanged.data).toEqual(restored.data);
  });

  it("deletes a list with all its tasks; then it is not found", async () => {
    const owner = await person();
    const list = await createList(owner, "Doomed");
    const task = await owner.api.create({ title: "in the doomed list", list_id: list.id });
    const answer = await owner.api.request("DELETE", `/api/lists/${list.id}`);
    expect(answer.status).toBe(204);
    expect(answer.body).toBeNull();
    expect((await owner.api.problem(404, "GET", `/api/lists/${list.id}`)).detail).toBe(
      "List not found",
    );
    await owner.api.problem(404, "GET", `/api/tasks/${task.id}`);
    await owner.api.problem(404, "DELETE", `/api/lists/${list.id}`);
    const { rows } = await t.pool.query("select 1 from task where id = $1", [task.id]);
    expect(rows).toEqual([]);
  });

  it("answers a path id that is not a UUID, or an unknown one, with 404", async () => {
    const owner = await person();
    for (const id of ["not-a-uuid", "1", "%27%20or%201%3D1", randomUUID()]) {
      const problem = await owner.api.problem(404, "GET", `/api/lists/${id}`);
      expect(problem.detail).toBe("List not found");
      await owner.api.problem(404, "PATCH", `/api/lists/${id}`, { color: "red" });
      await owner.api.problem(404, "DELETE", `/api/lists/${id}`);
      await owner.api.problem(404, "GET", `/api/lists/${id}/members`);
      await owner.api.problem(404, "POST", `/api/lists/${id}/invites`, { role: "viewer" });
    }
  });

  it("tells a deleted account's still-valid token that its user is gone (401)", async () => {
    const gone = await person();
    await t.pool.query(`delete from "user" where id = $1`, [gone.id]);
    const answer = await gone.api.request("POST", "/api/lists", { name: "Too late" });
    expect(answer.status).toBe(401);
    expect(answer.headers.get("www-authenticate")).toContain("invalid_token");
    expect(ProblemSchema.parse(answer.body).detail).toBe("User no longer exists");
  });
});

describe("the caller's lists", () => {
  it("come Inbox first, then by name whatever its case, shared ones included", async () => {
    const owner = await person();
    const friend = await person();
    await createList(owner, "banana");
    await createList(owner, "Cherry");
    await createList(owner, "apple");
    const old = await createList(owner, "Aardvark");
    await owner.api.expect(200, ListSchema, "PATCH", `/api/lists/${old.id}`, { archived: true });
    const theirs = await createList(friend, "Blueberry");
    await share(friend, theirs.id, owner, "viewer");

    expect((await listsOf(owner)).map((l) => l.name)).toEqual([
      "Inbox",
      "apple",
      "banana",
      "Blueberry",
      "Cherry",
    ]);
    expect((await listsOf(owner, "?archived=true")).map((l) => l.name)).toEqual([
      "Inbox",
      "Aardvark",
      "apple",
      "banana",
      "Blueberry",
      "Cherry",
    ]);
    const shared = (await listsOf(owner)).find((l) => l.id === theirs.id);
    expect(shared).toMatchObject({ role: "viewer", owner_id: friend.id, is_inbox: false });
    // The friend's Inbox is never among them.
    expect((await listsOf(owner)).filter((l) => l.is_inbox)).toHaveLength(1);
  });

  it("count their members, open and all tasks, and name the owner, for every member alike", async () => {
    const owner = await person();
    const editor = await person();
    const viewer = await person();
    const list = await createList(owner, "Counted");
    await share(owner, list.id, editor, "editor");
    await share(owner, list.id, viewer, "viewer");
    const first = await owner.api.create({ title: "one", list_id: list.id });
    await editor.api.create({ title: "two", list_id: list.id });
    const parent = await owner.api.create({ title: "three", list_id: list.id });
    await owner.api.create({ title: "a subtask", parent_id: parent.id });
    await owner.api.update(first.id, { completed: true });

    for (const who of [owner, editor, viewer]) {
      const fromAll = (await listsOf(who)).find((l) => l.id === list.id);
      expect(fromAll).toMatchObject({
        member_count: 3,
        pending_count: 3,
        task_count: 4,
        owner_name: `User ${owner.id}`,
      });
      expect(await getList(who, list.id)).toEqual(fromAll);
    }
    const inbox = (await listsOf(owner))[0];
    expect(inbox).toMatchObject({
      is_inbox: true,
      member_count: 1,
      pending_count: 0,
      task_count: 0,
    });
  });
});

describe("the Inbox", () => {
  it("is every user's first list and where a task goes by default", async () => {
    const owner = await person();
    const [inbox, ...others] = await listsOf(owner);
    expect(others).toEqual([]);
    expect(inbox).toMatchObject({
      name: "Inbox",
      is_inbox: true,
      archived: false,
      owner_id: owner.id,
      role: "owner",
      member_count: 1,
      pending_count: 0,
    });
    const task = await owner.api.create({ title: "no list named" });
    expect(task.list_id).toBe(inbox?.id);
    await owner.api.create({ title: "another" });
    expect((await listsOf(owner))[0]).toMatchObject({ is_inbox: true, pending_count: 2 });
  });

  it("cannot be deleted, renamed, archived or shared (409), but takes a colour", async () => {
    const owner = await person();
    const [inbox] = await listsOf(owner);
    if (!inbox) throw new Error("no Inbox");
    const path = `/api/lists/${inbox.id}`;
    expect((await owner.api.problem(409, "DELETE", path)).detail).toBe(
      "The Inbox cannot be deleted",
    );
    expect((await owner.api.problem(409, "PATCH", path, { name: "Mine" })).detail).toBe(
      "The Inbox cannot be renamed",
    );
    expect((await owner.api.problem(409, "PATCH", path, { archived: true })).detail).toBe(
      "The Inbox cannot be archived",
    );
    await owner.api.problem(409, "PATCH", path, { color: "red", archived: true });
    expect(
      (await owner.api.problem(409, "POST", `${path}/invites`, { role: "viewer" })).detail,
    ).toBe("The Inbox cannot be shared");
    expect(await getList(owner, inbox.id)).toEqual(inbox);

    // Sending its name and state back unchanged is neither a rename nor an archive.
    const recoloured = await owner.api.expect(200, ListSchema, "PATCH", path, {
      name: "Inbox",
      archived: false,
      color: "blue",
    });
    expect(recoloured.data).toMatchObject({ name: "Inbox", color: "blue", is_inbox: true });
  });
});

describe("roles", () => {
  let owner: Person;
  let editor: Person;
  let viewer: Person;
  let stranger: Person;
  let list: List;
  let inviteId: string;

  beforeAll(async () => {
    [owner, editor, viewer, stranger] = await Promise.all([person(), person(), person(), person()]);
    list = await createList(owner, "Shared", "green");
    await share(owner, list.id, editor, "editor");
    await share(owner, list.id, viewer, "viewer");
    const invite = await owner.api.expect(
      201,
      InviteSchema,
      "POST",
      `/api/lists/${list.id}/invites`,
      { role: "viewer", max_uses: 5 },
    );
    inviteId = invite.data.id;
  });

  const who = (name: "editor" | "viewer"): Person => (name === "editor" ? editor : viewer);

  // Every owner-only route: what the editor and the viewer are told.
  const ownerOnly = [
    {
      route: "PATCH /api/lists/{id}",
      call: (_me: Person) => ["PATCH", `/api/lists/${list.id}`, { color: "red" }] as const,
      editor: "Only the list's owner can rename, recolour or archive it",
    },
    {
      route: "PATCH /api/lists/{id} (archive)",
      call: (_me: Person) => ["PATCH", `/api/lists/${list.id}`, { archived: true }] as const,
      editor: "Only the list's owner can rename, recolour or archive it",
    },
    {
      route: "DELETE /api/lists/{id}",
      call: (_me: Person) => ["DELETE", `/api/lists/${list.id}`, undefined] as const,
      editor: "Only the list's owner can delete it",
    },
    {
      route: "PATCH /api/lists/{id}/members/{user_id}",
      call: (me: Person) =>
        [
          "PATCH",
          `/api/lists/${list.id}/members/${(me === editor ? viewer : editor).id}`,
          { role: "editor" },
        ] as const,
      editor: "Only the list's owner can change its members",
    },
    {
      route: "PATCH /api/lists/{id}/members/{user_id} (own role)",
      call: (me: Person) =>
        ["PATCH", `/api/lists/${list.id}/members/${me.id}`, { role: "editor" }] as const,
      editor: "Only the list's owner can change its members",
    },
    {
      route: "DELETE /api/lists/{id}/members/{user_id} (someone else)",
      call: (me: Person) =>
        [
          "DELETE",
          `/api/lists/${list.id}/members/${(me === editor ? viewer : editor).id}`,
          undefined,
        ] as const,
      editor: "Only the list's owner can change its members",
    },
    {
      route: "DELETE /api/lists/{id}/members/{user_id} (the owner)",
      call: (_me: Person) =>
        ["DELETE", `/api/lists/${list.id}/members/${owner.id}`, undefined] as const,
      editor: "Only the list's owner can change its members",
    },
    {
      route: "POST /api/lists/{id}/invites",
      call: (_me: Person) => ["POST", `/api/lists/${list.id}/invites`, { role: "viewer" }] as const,
      editor: "Only the list's owner can share it",
    },
    {
      route: "GET /api/lists/{id}/invites",
      call: (_me: Person) => ["GET", `/api/lists/${list.id}/invites`, undefined] as const,
      editor: "Only the list's owner can share it",
    },
    {
      route: "DELETE /api/lists/{id}/invites/{invite_id}",
      call: (_me: Person) =>
        ["DELETE", `/api/lists/${list.id}/invites/${inviteId}`, undefined] as const,
      editor: "Only the list's owner can share it",
    },
  ];

  describe.each(["editor", "viewer"] as const)("an %s", (name) => {
    it.each(ownerOnly)("gets 403 naming the missing right on $route", async (row) => {
      const me = who(name);
      const [method, path, body] = row.call(me);
      const problem = await me.api.problem(403, method, path, body);
      expect(problem.detail).toBe(name === "viewer" ? VIEW_ONLY : row.editor);
    });

    it("reads the list and its members", async () => {
      const me = who(name);
      expect(await getList(me, list.id)).toMatchObject({
        id: list.id,
        role: name,
        owner_id: owner.id,
        member_count: 3,
      });
      const members = await me.api.expect(200, Members, "GET", `/api/lists/${list.id}/members`);
      expect(members.data.map((m) => [m.user_id, m.role])).toEqual([
        [owner.id, "owner"],
        [editor.id, "editor"],
        [viewer.id, "viewer"],
      ]);
    });
  });

  it("gives a stranger 404 on every route, exactly as for a list that does not exist", async () => {
    const missing = randomUUID();
    const routes = (id: string, userId: string): Array<[string, string, unknown]> => [
      ["GET", `/api/lists/${id}`, undefined],
      ["PATCH", `/api/lists/${id}`, { color: "red" }],
      ["DELETE", `/api/lists/${id}`, undefined],
      ["GET", `/api/lists/${id}/members`, undefined],
      ["PATCH", `/api/lists/${id}/members/${userId}`, { role: "viewer" }],
      ["DELETE", `/api/lists/${id}/members/${userId}`, undefined],
      ["DELETE", `/api/lists/${id}/members/${stranger.id}`, undefined],
      ["POST", `/api/lists/${id}/invites`, { role: "editor" }],
      ["GET", `/api/lists/${id}/invites`, undefined],
      ["DELETE", `/api/lists/${id}/invites/${inviteId}`, undefined],
    ];
    const real = routes(list.id, viewer.id);
    const fake = routes(missing, viewer.id);
    for (const [index, [method, path, body]] of real.entries()) {
      const answer = await stranger.api.request(method, path, body);
      const [fakeMethod, fakePath, fakeBody] = fake[index] ?? [];
      const unknown = await stranger.api.request(fakeMethod ?? "", fakePath ?? "", fakeBody);
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body).toEqual(unknown.body);
      expect(answer.body).toEqual({
        type: "about:blank",
        title: "Not Found",
        status: 404,
        detail: "List not found",
      });
      expect(answer.headers.get("content-type")).toContain("application/problem+json");
    }
    // And the list's tasks are as unknown to them.
    const task = await owner.api.create({ title: "private", list_id: list.id });
    await stranger.api.problem(404, "GET", `/api/tasks/${task.id}`);
    await stranger.api.problem(404, "GET", `/api/tasks?list=${list.id}`);
    await stranger.api.problem(404, "POST", "/api/tasks", { title: "x", list_id: list.id });
  });

  it("lets an editor write the list's tasks and a viewer only read them", async () => {
    const byEditor = await editor.api.create({ title: "by the editor", list_id: list.id });
    expect(byEditor).toMatchObject({ list_id: list.id, user_id: owner.id, created_by: editor.id });
    expect((await viewer.api.get(byEditor.id)).title).toBe("by the editor");
    const refused = await viewer.api.problem(403, "POST", "/api/tasks", {
      title: "by the viewer",
      list_id: list.id,
    });
    expect(refused.detail).toBe(VIEW_ONLY);
    await viewer.api.problem(403, "PATCH", `/api/tasks/${byEditor.id}`, { title: "changed" });
  });

  it("changed nothing by any refusal", async () => {
    expect(await getList(owner, list.id)).toMatchObject({
      name: "Shared",
      color: "green",
      archived: false,
      member_count: 3,
    });
    const invites = await owner.api.expect(
      200,
      z.array(InviteSchema),
      "GET",
      `/api/lists/${list.id}/invites`,
    );
    expect(invites.data.map((invite) => invite.id)).toEqual([inviteId]);
    const members = await owner.api.expect(200, Members, "GET", `/api/lists/${list.id}/members`);
    expect(members.data.map((m) => m.role)).toEqual(["owner", "editor", "viewer"]);
  });
});

describe("an archived list", () => {
  it("keeps its tasks readable and refuses every write to them with 409 until restored", async () => {
    const owner = await person();
    const editor = await person();
    const list = await createList(owner, "Old project");
    await share(owner, list.id, editor, "editor");
    const task = await editor.api.create({ title: "before", list_id: list.id });
    await owner.api.expect(200, ListSchema, "PATCH", `/api/lists/${list.id}`, { archived: true });

    for (const who of [owner, editor]) {
      await who.api.problem(409, "POST", "/api/tasks", { title: "new", list_id: list.id });
      await who.api.problem(409, "PATCH", `/api/tasks/${task.id}`, { title: "changed" });
      await who.api.problem(409, "DELETE", `/api/tasks/${task.id}`);
      await who.api.problem(409, "POST", `/api/tasks/${task.id}/toggle`);
      expect((await who.api.get(task.id)).title).toBe("before");
      expect(await getList(who, list.id)).toMatchObject({ archived: true, pending_count: 1 });
    }
    // Only its owner restores it.
    await editor.api.problem(403, "PATCH", `/api/lists/${list.id}`, { archived: false });
    await owner.api.expect(200, ListSchema, "PATCH", `/api/lists/${list.id}`, { archived: false });
    expect((await editor.api.update(task.id, { title: "after" })).title).toBe("after");
  });
});

describe("members", () => {
  it("are listed owner first, with name, email, role and when they joined", async () => {
    const owner = await person();
    const first = await person();
    const second = await person();
    const list = await createList(owner, "Team");
    await share(owner, list.id, first, "viewer");
    await share(owner, list.id, second, "editor");
    const members = await first.api.expect(200, Members, "GET", `/api/lists/${list.id}/members`);
    expect(members.data).toEqual([
      expect.objectContaining({
        user_id: owner.id,
        role: "owner",
        name: `User ${owner.id}`,
        email: `${owner.id}@example.test`,
      }),
      expect.objectContaining({ user_id: first.id, role: "viewer" }),
      expect.objectContaining({ user_id: second.id, role: "editor" }),
    ]);
    const [a, b, c] = members.data.map((m) => m.joined_at);
    expect(a && b && c && a <= b && b <= c).toBe(true);
  });

  it("get another role from the owner only; the owner's role never changes", async () => {
    const owner = await person();
    const member = await person();
    const stranger = await person();
    const list = await createList(owner, "Roles");
    await share(owner, list.id, member, "viewer");
    const path = `/api/lists/${list.id}/members/${member.id}`;

    await member.api.problem(403, "POST", "/api/tasks", { title: "not yet", list_id: list.id });
    const promoted = await owner.api.expect(200, MemberSchema, "PATCH", path, { role: "editor" });
    expect(promoted.data).toMatchObject({ user_id: member.id, role: "editor" });
    expect(await getList(member, list.id)).toMatchObject({ role: "editor" });
    await member.api.create({ title: "now I can", list_id: list.id });

    await owner.api.expect(200, MemberSchema, "PATCH", path, { role: "viewer" });
    await member.api.problem(403, "POST", "/api/tasks", { title: "not again", list_id: list.id });

    const own = await owner.api.problem(409, "PATCH", `/api/lists/${list.id}/members/${owner.id}`, {
      role: "viewer",
    });
    expect(own.detail).toBe("The owner's role cannot be changed");
    const toOwner = await owner.api.problem(422, "PATCH", path, { role: "owner" });
    expect(toOwner.errors?.map((e) => e.field)).toContain("role");
    await owner.api.problem(422, "PATCH", path, { role: "editor", since: "today" });
    await owner.api.problem(422, "PATCH", path, {});
    const nobody = await owner.api.problem(
      404,
      "PATCH",
      `/api/lists/${list.id}/members/${stranger.id}`,
      { role: "editor" },
    );
    expect(nobody.detail).toBe("Member not found");
    await owner.api.problem(404, "PATCH", `/api/lists/${list.id}/members/no%00body`, {
      role: "editor",
    });
    expect(await getList(owner, list.id)).toMatchObject({ member_count: 2 });
  });

  it("removed by the owner lose access at once, keep what they made, lose their assignments", async () => {
    const owner = await person();
    const member = await person();
    const list = await createList(owner, "Project");
    await share(owner, list.id, member, "editor");
    const made = await member.api.create({ title: "made by the member", list_id: list.id });
    const assigned = await owner.api.create({ title: "for the member", list_id: list.id });
    const assignedAnswer = await owner.api.update(assigned.id, { assignee_id: member.id });
    expect(assignedAnswer.assignee_id).toBe(member.id);
    const toOwner = await member.api.update(made.id, { assignee_id: owner.id });
    expect(toOwner.assignee_id).toBe(owner.id);
    expect((await member.api.get(assigned.id)).assignee_id).toBe(member.id);
    expect((await member.api.list(`list=${list.id}`)).map((task) => task.id)).toContain(made.id);

    const removed = await owner.api.request("DELETE", `/api/lists/${list.id}/members/${member.id}`);
    expect(removed.status).toBe(204);

    // Their very next requests: nothing of the list is found.
    expect((await member.api.problem(404, "GET", `/api/tasks/${made.id}`)).detail).toBe(
      "Task not found",
    );
    await member.api.problem(404, "GET", `/api/tasks/${assigned.id}`);
    await member.api.problem(404, "GET", `/api/tasks?list=${list.id}`);
    await member.api.problem(404, "PATCH", `/api/tasks/${made.id}`, { title: "mine!" });
    await member.api.problem(404, "GET", `/api/lists/${list.id}`);
    expect((await listsOf(member)).map((l) => l.id)).not.toContain(list.id);

    // What they made stays; their assignment is cleared, the owner's is not.
    expect(await owner.api.get(made.id)).toMatchObject({
      created_by: member.id,
      assignee_id: owner.id,
    });
    expect((await owner.api.get(assigned.id)).assignee_id).toBeNull();
    await owner.api.problem(422, "PATCH", `/api/tasks/${assigned.id}`, {
      assignee_id: member.id,
    });
    expect(await getList(owner, list.id)).toMatchObject({ member_count: 1 });
    const again = await owner.api.problem(
      404,
      "DELETE",
      `/api/lists/${list.id}/members/${member.id}`,
    );
    expect(again.detail).toBe("Member not found");
  });

  it("may leave a list; its owner cannot", async () => {
    const owner = await person();
    const viewer = await person();
    const editor = await person();
    const list = await createList(owner, "Club");
    await share(owner, list.id, viewer, "viewer");
    await share(owner, list.id, editor, "editor");
    const task = await owner.api.create({ title: "for the editor", list_id: list.id });
    await owner.api.update(task.id, { assignee_id: editor.id });

    for (const who of [viewer, editor]) {
      const left = await who.api.request("DELETE", `/api/lists/${list.id}/members/${who.id}`);
      expect(left.status).toBe(204);
      await who.api.problem(404, "GET", `/api/lists/${list.id}`);
      await who.api.problem(404, "DELETE", `/api/lists/${list.id}/members/${who.id}`);
    }
    expect((await owner.api.get(task.id)).assignee_id).toBeNull();

    const problem = await owner.api.problem(
      409,
      "DELETE",
      `/api/lists/${list.id}/members/${owner.id}`,
    );
    expect(problem.detail).toContain("owner cannot leave");
    expect(await getList(owner, list.id)).toMatchObject({ member_count: 1, role: "owner" });
  });
});

describe("the number of lists a user owns", () => {
  it(`is at most ${OWNED_LISTS_MAX} besides the Inbox, also when creations race`, async () => {
    const owner = await person();
    const friend = await person();
    await t.pool.query(
      `insert into list (owner_id, name) select $1, 'Pre ' || n from generate_series(1, $2::int) n`,
      [owner.id, OWNED_LISTS_MAX - 2],
    );
    const racing = await Promise.all(
      Array.from({ length: 6 }, (_, n) =>
        owner.api.request("POST", "/api/lists", { name: `Race ${n}` }),
      ),
    );
    expect(racing.map((answer) => answer.status).sort()).toEqual([201, 201, 409, 409, 409, 409]);
    const refusal = racing.find((answer) => answer.status === 409);
    expect(ProblemSchema.parse(refusal?.body).detail).toContain(String(OWNED_LISTS_MAX));
    const { rows } = await t.pool.query(
      "select count(*)::int as n from list where owner_id = $1 and not is_inbox",
      [owner.id],
    );
    expect(rows).toEqual([{ n: OWNED_LISTS_MAX }]);

    // Archived lists still count; lists shared with the owner do not; deleting one makes room.
    const lists = await listsOf(owner);
    const last = lists.at(-1);
    if (!last) throw new Error("no lists");
    await owner.api.expect(200, ListSchema, "PATCH", `/api/lists/${last.id}`, { archived: true });
    await owner.api.problem(409, "POST", "/api/lists", { name: "One more" });
    const theirs = await createList(friend, "Theirs");
    await share(friend, theirs.id, owner, "editor");
    await owner.api.problem(409, "POST", "/api/lists", { name: "One more" });
    expect((await owner.api.request("DELETE", `/api/lists/${last.id}`)).status).toBe(204);
    await createList(owner, "One more");
    expect(await listsOf(owner, "?archived=true")).toHaveLength(OWNED_LISTS_MAX + 2);
  });
});

describe("the OpenAPI document", () => {
  it("describes every list, member and invite route under the tag lists, with bearer auth", async () => {
    const response = await fetch(`${origin}/openapi.json`);
    expect(response.status).toBe(200);
    const Operation = z.object({
      tags: z.array(z.string()),
      summary: z.string().min(1),
      security: z.array(z.record(z.string(), z.array(z.string()))),
      responses: z.record(z.string(), z.unknown()),
    });
    const document = z
      .object({
        paths: z.record(z.string(), z.record(z.string(), z.unknown())),
        components: z.object({ schemas: z.record(z.string(), z.unknown()) }),
      })
      .parse(await response.json());
    const expected: Array<[string, string[]]> = [
      ["/api/lists", ["get", "post"]],
      ["/api/lists/{id}", ["get", "patch", "delete"]],
      ["/api/lists/{id}/members", ["get"]],
      ["/api/lists/{id}/members/{user_id}", ["patch", "delete"]],
      ["/api/lists/{id}/invites", ["get", "post"]],
      ["/api/lists/{id}/invites/{invite_id}", ["delete"]],
      ["/api/invites/{token}", ["get"]],
      ["/api/invites/{token}/accept", ["post"]],
    ];
    for (const [path, methods] of expected) {
      for (const method of methods) {
        const operation = Operation.parse(document.paths[path]?.[method]);
        expect(operation.tags, `${method} ${path}`).toEqual(["lists"]);
        expect(operation.security).toEqual([{ bearerAuth: [] }]);
        if (path.includes("{"))
          expect(Object.keys(operation.responses), `${method} ${path}`).toContain("404");
      }
    }
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining(["List", "ListCreate", "ListUpdate", "Member", "Invite"]),
    );
  });
});
