// The rules of lists that live in the database itself (migration 0005): the owner's membership,
// the Inbox of every account, and what deleting an account takes with it and what it leaves.
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createDb, createPool } from "../src/client.ts";
import { user } from "../src/schema.ts";
import { useTestDatabase } from "../../../tests/fixtures.ts";

const { url } = await useTestDatabase();
const pool = createPool(url);
const db = createDb(pool);
afterAll(() => pool.end());

const IdRow = z.object({ id: z.string() });
const MemberRow = z.object({ user_id: z.string(), role: z.string(), joined_at: z.date() });
const ListRow = z.object({
  id: z.string(),
  name: z.string(),
  is_inbox: z.boolean(),
  archived: z.boolean(),
  created_at: z.date(),
});
const TaskRow = z.object({
  id: z.string(),
  list_id: z.string(),
  user_id: z.string(),
  created_by: z.string().nullable(),
  assignee_id: z.string().nullable(),
});

async function rows<T>(schema: z.ZodType<T>, text: string, values: unknown[] = []): Promise<T[]> {
  const result = await pool.query(text, values);
  return z.array(schema).parse(result.rows);
}

async function newUser(): Promise<string> {
  const id = `u-${randomBytes(6).toString("hex")}`;
  await db.insert(user).values({ id, name: `User ${id}`, email: `${id}@example.test` });
  return id;
}

async function newList(ownerId: string, name: string): Promise<string> {
  const [row] = await rows(
    IdRow,
    "insert into list (owner_id, name) values ($1, $2) returning id",
    [ownerId, name],
  );
  if (!row) throw new Error("no list");
  return row.id;
}

async function join(userId: string, listId: string, role: "editor" | "viewer"): Promise<void> {
  await pool.query("insert into list_member (user_id, list_id, role) values ($1, $2, $3)", [
    userId,
    listId,
    role,
  ]);
}

/** A task inserted as the API does: the list names it, the trigger fills in the owner. */
async function newTask(
  listId: string,
  createdBy: string,
  options: { assignee?: string; parent?: string } = {},
): Promise<string> {
  const [row] = await rows(
    IdRow,
    `insert into task (list_id, title, created_by, assignee_id, parent_id)
     values ($1, 'a task', $2, $3, $4) returning id`,
    [listId, createdBy, options.assignee ?? null, options.parent ?? null],
  );
  if (!row) throw new Error("no task");
  return row.id;
}

const membersOf = (listId: string) =>
  rows(MemberRow, "select user_id, role, joined_at from list_member where list_id = $1", [listId]);
const taskById = async (id: string) =>
  (await rows(TaskRow, "select * from task where id = $1", [id]))[0];

describe("the owner's membership", () => {
  it("is made with the list, with the role owner, joined when the list was made", async () => {
    const owner = await newUser();
    const listId = await newList(owner, "Groceries");
    const [made] = await rows(ListRow, "select * from list where id = $1", [listId]);
    expect(await membersOf(listId)).toEqual([
      { user_id: owner, role: "owner", joined_at: made?.created_at },
    ]);
  });
});

describe("the Inbox", () => {
  it("is made with every account, owned by it, and is its only Inbox", async () => {
    const id = await newUser();
    const lists = await rows(ListRow, "select * from list where owner_id = $1", [id]);
    expect(lists).toEqual([
      expect.objectContaining({ name: "Inbox", is_inbox: true, archived: false }),
    ]);
    const inbox = lists[0];
    if (!inbox) throw new Error("no Inbox");
    expect(await membersOf(inbox.id)).toEqual([
      expect.objectContaining({ user_id: id, role: "owner" }),
    ]);
    // A second Inbox for the same owner is refused by list_one_inbox_idx.
    await expect(
      pool.query("insert into list (owner_id, name, is_inbox) values ($1, 'Inbox', true)", [id]),
    ).rejects.toMatchObject({ code: "23505" });
  });

  it("takes a task that names only its user", async () => {
    const id = await newUser();
    const [inserted] = await rows(
      TaskRow,
      "insert into task (user_id, title) values ($1, 'old script') returning *",
      [id],
    );
    const [inbox] = await rows(IdRow, "select id from list where owner_id = $1 and is_inbox", [id]);
    expect(inserted).toMatchObject({ list_id: inbox?.id, user_id: id, created_by: id });
  });

  it("cannot be archived", async () => {
    const id = await newUser();
    await expect(
      pool.query("update list set archived = true where owner_id = $1 and is_inbox", [id]),
    ).rejects.toMatchObject({ code: "23514" });
  });
});

describe("deleting an account", () => {
  it("deletes its lists with their tasks, ends its memberships, keeps what it made elsewhere", async () => {
    const leaving = await newUser();
    const other = await newUser();
    const third = await newUser();

    // A list of the leaving account, shared with the other, with tasks of both and an invite.
    const ownList = await newList(leaving, "Mine");
    await join(other, ownList, "editor");
    const ownTask = await newTask(ownList, leaving);
    const ownSubtask = await newTask(ownList, other, { parent: ownTask });
    const byOtherInOwn = await newTask(ownList, other, { assignee: other });
    await pool.query(
      `insert into list_invite (list_id, token_hash, role, created_by, expires_at)
       values ($1, sha256('t'::bytea), 'viewer', $2, now() + interval '1 day')`,
      [ownList, leaving],
    );
    // The other's list, where the leaving account is an editor who made and was given tasks.
    const otherList = await newList(other, "Theirs");
    await join(leaving, otherList, "editor");
    await join(third, otherList, "viewer");
    const madeThere = await newTask(otherList, leaving);
    const assignedThere = await newTask(otherList, other, { assignee: leaving });
    const madeForOther = await newTask(otherList, leaving, { assignee: other });

    await pool.query(`delete from "user" where id = $1`, [leaving]);

    // Its lists are gone, the Inbox too, with their tasks, memberships and invites.
    expect(await rows(IdRow, "select id from list where owner_id = $1", [leaving])).toEqual([]);
    for (const id of [ownTask, ownSubtask, byOtherInOwn])
      expect(await taskById(id)).toBeUndefined();
    expect(await membersOf(ownList)).toEqual([]);
    expect(await rows(IdRow, "select id from list_invite where list_id = $1", [ownList])).toEqual(
      [],
    );

    // Its memberships in others' lists have ended; the other members stay.
    expect(
      await rows(IdRow, "select list_id as id from list_member where user_id = $1", [leaving]),
    ).toEqual([]);
    expect((await membersOf(otherList)).map((m) => [m.user_id, m.role]).sort()).toEqual(
      [
        [other, "owner"],
        [third, "viewer"],
      ].sort(),
    );

    // What it made there stays, made by nobody; what it was given is unassigned; the rest stays.
    expect(await taskById(madeThere)).toMatchObject({
      list_id: otherList,
      user_id: other,
      created_by: null,
    });
    expect(await taskById(assignedThere)).toMatchObject({ created_by: other, assignee_id: null });
    expect(await taskById(madeForOther)).toMatchObject({
      created_by: null,
      assignee_id: other,
    });
  });

  it("leaving a list clears one's assignments there and only there", async () => {
    const owner = await newUser();
    const member = await newUser();
    const first = await newList(owner, "First");
    const second = await newList(owner, "Second");
    await join(member, first, "editor");
    await join(member, second, "editor");
    const inFirst = await newTask(first, owner, { assignee: member });
    const inSecond = await newTask(second, owner, { assignee: member });
    const ownersOwn = await newTask(first, owner, { assignee: owner });

    await pool.query("delete from list_member where user_id = $1 and list_id = $2", [
      member,
      first,
    ]);

    expect(await taskById(inFirst)).toMatchObject({ assignee_id: null, created_by: owner });
    expect(await taskById(inSecond)).toMatchObject({ assignee_id: member });
    expect(await taskById(ownersOwn)).toMatchObject({ assignee_id: owner });
  });

  it("refuses an assignee who is not a member of the task's list", async () => {
    const owner = await newUser();
    const stranger = await newUser();
    const listId = await newList(owner, "Closed");
    await expect(newTask(listId, owner, { assignee: stranger })).rejects.toMatchObject({
      code: "23503",
    });
  });
});
