// Live updates of shared lists over real HTTP, real event streams and two API copies on one
// database: every member of a list hears its changes, whoever made them and on whichever copy;
// nobody else does; a member who leaves stops hearing; reminders go to one member.
// Sharing is set up with SQL, so these tests do not depend on the lists routes.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { TaskSchema } from "@taskbridge/shared/task";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { ApiClient, listen } from "./support/http.ts";
import { EventStream, type ServerEvent } from "./support/sse.ts";

const database = await useTestDatabase();

// As the stream has always written it: a client that knows nothing of lists reads it unchanged.
const TaskEventSchema = z.strictObject({
  id: z.string(),
  op: z.enum(["insert", "update", "delete"]),
});
const ListsEventSchema = z.strictObject({
  list_id: z.string(),
  user_id: z.string().nullable(),
  op: z.enum(["insert", "update", "delete"]),
});
const ReminderSchema = z.strictObject({ task: TaskSchema });

const copies: TestApp[] = [];
const streams: EventStream[] = [];
afterEach(async () => {
  await Promise.all(streams.splice(0).map((stream) => stream.close().catch(() => undefined)));
});
afterAll(async () => {
  for (const copy of copies.splice(0)) await copy.close();
});

interface Copy {
  copy: TestApp;
  origin: string;
}

/** Two API copies on the same database, each with its own LISTEN connection. */
let a: Copy;
let b: Copy;
beforeAll(async () => {
  for (let i = 0; i < 2; i++) {
    const copy = await buildTestApp({ databaseUrl: database.url, mode: "hs256" });
    copies.push(copy);
    const origin = await listen(copy.app);
    if (i === 0) a = { copy, origin };
    else b = { copy, origin };
  }
});

async function openStream(on: Copy, userId: string): Promise<EventStream> {
  const response = await fetch(`${on.origin}/api/events`, {
    headers: { authorization: `Bearer ${await on.copy.tokenFor(userId)}` },
  });
  expect(response.status).toBe(200);
  const stream = new EventStream(response);
  streams.push(stream);
  await stream.until((event) => event.name === "ready");
  return stream;
}

const apiOf = (on: Copy, userId: string) =>
  new ApiClient(on.origin, () => on.copy.tokenFor(userId));

async function sql<T extends Record<string, unknown>>(text: string, values: unknown[] = []) {
  return (await a.copy.pool.query<T>(text, values)).rows;
}

/** A list owned by `owner`, with these other members; its id. */
async function sharedList(owner: string, members: Record<string, "editor" | "viewer">) {
  const [row] = await sql<{ id: string }>(
    `insert into list (owner_id, name) values ($1, 'Shared') returning id`,
    [owner],
  );
  if (!row) throw new Error("no list");
  for (const [userId, role] of Object.entries(members)) await addMember(row.id, userId, role);
  return row.id;
}

async function addMember(listId: string, userId: string, role: "editor" | "viewer") {
  await sql(`insert into list_member (user_id, list_id, role) values ($1, $2, $3)`, [
    userId,
    listId,
    role,
  ]);
}

async function removeMember(listId: string, userId: string) {
  await sql(`delete from list_member where list_id = $1 and user_id = $2`, [listId, userId]);
}

async function inboxOf(userId: string): Promise<string> {
  const [row] = await sql<{ id: string }>(`select id from list where owner_id = $1 and is_inbox`, [
    userId,
  ]);
  if (!row) throw new Error("no inbox");
  return row.id;
}

const taskEvent = (event: ServerEvent) =>
  event.name === "task" ? TaskEventSchema.parse(event.data) : undefined;
const changeOf = (id: string, op?: string) => (event: ServerEvent) => {
  const change = taskEvent(event);
  return change !== undefined && change.id === id && (op === undefined || change.op === op);
};
const listsEvent = (listId: string, op: string, userId: string | null) => (event: ServerEvent) => {
  if (event.name !== "lists") return false;
  const change = ListsEventSchema.parse(event.data);
  return change.list_id === listId && change.op === op && change.user_id === userId;
};
const reminderOf = (id: string) => (event: ServerEvent) =>
  event.name === "reminder" && ReminderSchema.parse(event.data).task.id === id;
/** The events that name `listId` or one of `taskIds` (a task event names only its task). */
const mentions = (events: ServerEvent[], listId: string, taskIds: string[] = []) =>
  events.filter((event) => {
    const change = taskEvent(event);
    if (change) return taskIds.includes(change.id);
    if (event.name === "lists") return ListsEventSchema.parse(event.data).list_id === listId;
    if (event.name === "reminder")
      return taskIds.includes(ReminderSchema.parse(event.data).task.id);
    return false;
  });
const remindersIn = (stream: EventStream) =>
  stream.named("reminder").map((data) => ReminderSchema.parse(data).task.id);
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

describe("live updates of a shared list", () => {
  let owner: string;
  let editor: string;
  let viewer: string;
  let stranger: string;
  let listId: string;

  beforeAll(async () => {
    owner = await a.copy.createUser();
    editor = await a.copy.createUser();
    viewer = await a.copy.createUser();
    stranger = await a.copy.createUser();
    listId = await sharedList(owner, { [editor]: "editor", [viewer]: "viewer" });
  });

  it("reaches every member's streams on both API copies, and never a non-member's", async () => {
    const ownerStream = await openStream(b, owner);
    const viewerStream = await openStream(a, viewer);
    const strangerStream = await openStream(b, stranger);
    const editorApi = apiOf(a, editor);

    const task = await editorApi.create({ title: "Buy milk", list_id: listId });
    expect(task).toMatchObject({ list_id: listId, user_id: owner, created_by: editor });
    await editorApi.update(task.id, { title: "Buy oat milk" });
    for (const stream of [ownerStream, viewerStream]) {
      const inserted = await stream.until(changeOf(task.id, "insert"));
      expect(inserted.data).toEqual({ id: task.id, op: "insert" });
      const updated = await stream.until(changeOf(task.id, "update"));
      expect(updated.data).toEqual({ id: task.id, op: "update" });
    }

    // The stranger's own change comes after the editor's: theirs would have arrived first.
    const own = await apiOf(b, stranger).create({ title: "Stranger's own" });
    await strangerStream.until(changeOf(own.id, "insert"));
    expect(mentions(strangerStream.seen, listId, [task.id])).toEqual([]);
    // And the members never hear of the stranger's Inbox.
    await editorApi.update(task.id, { title: "Buy milk" });
    for (const stream of [ownerStream, viewerStream]) {
      await stream.until(changeOf(task.id, "update"));
      expect(stream.seen.some(changeOf(own.id))).toBe(false);
    }
  });

  it("tells members of a list's changes and of who joins, and nobody else", async () => {
    const ownerStream = await openStream(a, owner);
    const strangerStream = await openStream(b, stranger);
    await sql(`update list set name = 'Groceries' where id = $1`, [listId]);
    const renamed = await ownerStream.until(listsEvent(listId, "update", null));
    expect(renamed.data).toEqual({ list_id: listId, user_id: null, op: "update" });
    const own = await apiOf(b, stranger).create({ title: "Marker" });
    await strangerStream.until(changeOf(own.id));
    expect(mentions(strangerStream.seen, listId)).toEqual([]);
  });

  it("a member added while streaming hears the list from then on; once removed, nothing more of it", async () => {
    const newcomer = await a.copy.createUser();
    const newcomerStream = await openStream(b, newcomer);
    const ownerStream = await openStream(a, owner);
    const editorApi = apiOf(b, editor);
    const newcomerApi = apiOf(b, newcomer);

    await addMember(listId, newcomer, "viewer");
    for (const stream of [newcomerStream, ownerStream]) {
      const joined = await stream.until(listsEvent(listId, "insert", newcomer));
      expect(joined.data).toEqual({ list_id: listId, user_id: newcomer, op: "insert" });
    }
    const before = await editorApi.create({ title: "Seen by the newcomer", list_id: listId });
    await newcomerStream.until(changeOf(before.id, "insert"));

    await removeMember(listId, newcomer);
    for (const stream of [newcomerStream, ownerStream]) {
      const left = await stream.until(listsEvent(listId, "delete", newcomer));
      expect(left.data).toEqual({ list_id: listId, user_id: newcomer, op: "delete" });
    }

    const after = await editorApi.create({ title: "Not for the newcomer", list_id: listId });
    await editorApi.update(before.id, { title: "Changed after the removal" });
    await sql(`update list set color = 'green' where id = $1`, [listId]);
    await ownerStream.until(changeOf(after.id, "insert"));
    await ownerStream.until(changeOf(before.id, "update"));
    await ownerStream.until(listsEvent(listId, "update", null));
    // Their own Inbox still streams, and its change comes after all of the above.
    const own = await newcomerApi.create({ title: "Newcomer's own" });
    await newcomerStream.until(changeOf(own.id, "insert"));
    const sinceRemoval = newcomerStream.seen.slice(
      newcomerStream.seen.findIndex(listsEvent(listId, "delete", newcomer)) + 1,
    );
    expect(mentions(sinceRemoval, listId, [before.id, after.id])).toEqual([]);
    // The API agrees: the task is gone for them.
    expect((await newcomerApi.request("GET", `/api/tasks/${before.id}`)).status).toBe(404);
  });

  it("a task moved to the owner's private list is gone for the other members", async () => {
    const ownerInbox = await inboxOf(owner);
    const editorStream = await openStream(a, editor);
    const viewerStream = await openStream(b, viewer);
    const ownerStream = await openStream(b, owner);
    const ownerApi = apiOf(a, owner);

    const task = await ownerApi.create({ title: "Private after all", list_id: listId });
    await editorStream.until(changeOf(task.id, "insert"));
    const moved = await ownerApi.update(task.id, { list_id: ownerInbox });
    expect(moved.list_id).toBe(ownerInbox);
    for (const stream of [editorStream, viewerStream]) {
      const gone = await stream.until(changeOf(task.id, "delete"));
      expect(gone.data).toEqual({ id: task.id, op: "delete" });
    }
    // The owner is in both lists: to them it is an update, in its new list.
    const own = await ownerStream.until(changeOf(task.id, "update"));
    expect(own.data).toEqual({ id: task.id, op: "update" });

    // Changes in the private list no longer reach them; moved back, it is new to them.
    await ownerApi.update(task.id, { title: "Still private" });
    await ownerApi.update(task.id, { list_id: listId });
    for (const stream of [editorStream, viewerStream]) {
      const back = await stream.until(changeOf(task.id, "insert"));
      expect(back.data).toEqual({ id: task.id, op: "insert" });
      // The change made while it was private never reached them.
      const ops = stream.seen.filter(changeOf(task.id)).map((event) => taskEvent(event)?.op);
      expect(ops).toEqual(["insert", "delete", "insert"]);
    }
  });

  it("a deleted list tells every member, who then hear nothing more of it", async () => {
    const doomed = await sharedList(owner, { [viewer]: "viewer" });
    const viewerStream = await openStream(a, viewer);
    const task = await apiOf(b, owner).create({ title: "Doomed", list_id: doomed });
    await viewerStream.until(changeOf(task.id, "insert"));
    await sql(`delete from list where id = $1`, [doomed]);
    await viewerStream.until(listsEvent(doomed, "delete", viewer));
    const own = await apiOf(a, viewer).create({ title: "Viewer's own" });
    await viewerStream.until(changeOf(own.id));
    const afterRemoval = viewerStream.seen.slice(
      viewerStream.seen.findIndex(listsEvent(doomed, "delete", viewer)) + 1,
    );
    expect(mentions(afterRemoval, doomed, [task.id])).toEqual([]);
  });

  it("a removal made while the copies were not listening still reaches the stream, and stops it", async () => {
    const member = await a.copy.createUser();
    await addMember(listId, member, "viewer");
    const memberStream = await openStream(a, member);
    const ownerStream = await openStream(b, owner);
    const ownerApi = apiOf(a, owner);
    const before = await ownerApi.create({ title: "Seen before the outage", list_id: listId });
    await memberStream.until(changeOf(before.id, "insert"));

    // Both copies lose their LISTEN connection and, in the same statement, the member is removed:
    // its notification leaves at commit, when neither copy listens, so neither hears it; the
    // removal is in the member's change feed all the same, which each stream reads on reconnecting.
    const terminated = await sql<{ gone: boolean }>(
      `with removed as (delete from list_member where list_id = $1 and user_id = $2)
       select pg_terminate_backend(pid, 5000) as gone from pg_stat_activity
       where application_name = 'taskbridge-live' and datname = current_database()`,
      [listId, member],
    );
    expect(terminated).toEqual([{ gone: true }, { gone: true }]);
    expect(
      await sql(`select 1 from list_member where list_id = $1 and user_id = $2`, [listId, member]),
    ).toEqual([]);
    const deadline = Date.now() + 15_000;
    for (;;) {
      const [row] = await sql<{ listening: number }>(
        `select count(*)::int as listening from pg_stat_activity
         where application_name = 'taskbridge-live' and datname = current_database()
           and state = 'idle' and query like 'LISTEN%'`,
      );
      if (row?.listening === 2) break;
      if (Date.now() > deadline) throw new Error("the copies did not listen again");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const after = await ownerApi.create({ title: "After the outage", list_id: listId });
    await ownerStream.until(changeOf(after.id, "insert"));
    const own = await apiOf(a, member).create({ title: "Member's own" });
    await memberStream.until(changeOf(own.id, "insert"));
    expect(mentions(memberStream.seen, listId, [before.id, after.id])).toEqual([
      expect.objectContaining({ data: { id: before.id, op: "insert" } }),
      expect.objectContaining({ data: { list_id: listId, user_id: member, op: "delete" } }),
    ]);
  });
});

describe("reminders of a shared list", () => {
  let owner: string;
  let creator: string;
  let assignee: string;
  let listId: string;

  beforeAll(async () => {
    owner = await a.copy.createUser();
    creator = await a.copy.createUser();
    assignee = await a.copy.createUser();
    listId = await sharedList(owner, { [creator]: "editor", [assignee]: "viewer" });
  });

  /** Streams of all three, on both copies; every copy sends reminders. */
  async function openAll() {
    return {
      owner: [await openStream(a, owner), await openStream(b, owner)],
      creator: [await openStream(a, creator), await openStream(b, creator)],
      assignee: [await openStream(a, assignee), await openStream(b, assignee)],
    };
  }

  /** A change every member hears, made after the reminder: any stray reminder came before it. */
  async function settle(all: Record<string, EventStream[]>) {
    const marker = await apiOf(a, owner).create({ title: "Marker", list_id: listId });
    for (const stream of Object.values(all).flat()) await stream.until(changeOf(marker.id));
  }

  it("goes to the assignee, once per stream, and not to the creator or the owner", async () => {
    const all = await openAll();
    const task = await apiOf(b, creator).create({
      title: "Water the plants",
      list_id: listId,
      assignee_id: assignee,
      remind_at: ago(1000),
    });
    for (const stream of all.assignee) {
      const event = await stream.until(reminderOf(task.id));
      expect(ReminderSchema.parse(event.data).task).toMatchObject({
        id: task.id,
        assignee_id: assignee,
        created_by: creator,
      });
    }
    await settle(all);
    for (const stream of all.assignee) expect(remindersIn(stream)).toEqual([task.id]);
    for (const stream of [...all.creator, ...all.owner]) expect(remindersIn(stream)).toEqual([]);
  });

  it("goes to the creator when nobody is assigned", async () => {
    const all = await openAll();
    const task = await apiOf(a, creator).create({
      title: "Book the hall",
      list_id: listId,
      remind_at: ago(1000),
    });
    for (const stream of all.creator) await stream.until(reminderOf(task.id));
    await settle(all);
    for (const stream of all.creator) expect(remindersIn(stream)).toEqual([task.id]);
    for (const stream of [...all.assignee, ...all.owner]) expect(remindersIn(stream)).toEqual([]);
  });

  it("goes to the owner when the creator has left the list", async () => {
    const leaver = await a.copy.createUser();
    await addMember(listId, leaver, "editor");
    const task = await apiOf(a, leaver).create({
      title: "Left behind",
      list_id: listId,
      remind_at: new Date(Date.now() + 3_600_000).toISOString(),
    });
    await removeMember(listId, leaver);
    const all = { ...(await openAll()), leaver: [await openStream(b, leaver)] };
    // Due now: the owner re-arms it.
    await apiOf(b, owner).update(task.id, { remind_at: ago(1000) });
    for (const stream of all.owner) {
      const event = await stream.until(reminderOf(task.id));
      expect(ReminderSchema.parse(event.data).task).toMatchObject({
        id: task.id,
        created_by: leaver,
        assignee_id: null,
      });
    }
    const marker = await apiOf(a, leaver).create({ title: "Leaver's own" });
    await all.leaver[0]?.until(changeOf(marker.id));
    await settle({ owner: all.owner, creator: all.creator, assignee: all.assignee });
    for (const stream of all.owner) expect(remindersIn(stream)).toEqual([task.id]);
    for (const stream of [...all.creator, ...all.assignee, ...all.leaver])
      expect(remindersIn(stream)).toEqual([]);
  });
});
