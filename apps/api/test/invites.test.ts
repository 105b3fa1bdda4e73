// Invite links over real HTTP, on a real database, with real signed tokens.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  InviteCreatedSchema,
  InvitePreviewSchema,
  InviteSchema,
  ListSchema,
  type List,
} from "@taskbridge/shared/list";
import { ProblemSchema } from "@taskbridge/shared/problem";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { ApiClient, listen, type Answer } from "./support/http.ts";

const database = await useTestDatabase();
let t: TestApp;
let origin: string;

beforeAll(async () => {
  t = await buildTestApp({ databaseUrl: database.url, mode: "hs256" });
  origin = await listen(t.app);
});
afterAll(() => t.close());

const GONE = {
  type: "about:blank",
  title: "Not Found",
  status: 404,
  detail: "Invite not found or no longer valid",
};
const Invites = z.array(InviteSchema);
const DAY = 86_400_000;

interface Person {
  id: string;
  api: ApiClient;
}

async function person(): Promise<Person> {
  const id = await t.createUser();
  const token = await t.tokenFor(id);
  return { id, api: new ApiClient(origin, () => token) };
}

async function createList(owner: Person, name: string, color = "gray"): Promise<List> {
  return (await owner.api.expect(201, ListSchema, "POST", "/api/lists", { name, color })).data;
}

async function invite(owner: Person, listId: string, body: Record<string, unknown> = {}) {
  const created = await owner.api.expect(
    201,
    InviteCreatedSchema,
    "POST",
    `/api/lists/${listId}/invites`,
    { role: "viewer", ...body },
  );
  return created.data;
}

const accept = (who: Person, token: string): Promise<Answer> =>
  who.api.request("POST", `/api/invites/${encodeURIComponent(token)}/accept`);
const preview = (who: Person, token: string): Promise<Answer> =>
  who.api.request("GET", `/api/invites/${encodeURIComponent(token)}`);

async function openInvites(owner: Person, listId: string) {
  return (await owner.api.expect(200, Invites, "GET", `/api/lists/${listId}/invites`)).data;
}

async function usesOf(inviteId: string): Promise<number> {
  const { rows } = await t.pool.query("select uses from list_invite where id = $1", [inviteId]);
  return z.array(z.object({ uses: z.number() })).parse(rows)[0]?.uses ?? -1;
}

async function memberCount(listId: string): Promise<number> {
  const { rows } = await t.pool.query(
    "select count(*)::int as n from list_member where list_id = $1",
    [listId],
  );
  return z.array(z.object({ n: z.number() })).parse(rows)[0]?.n ?? -1;
}

function expectGone(answer: Answer): void {
  expect(answer.status).toBe(404);
  expect(answer.headers.get("content-type")).toContain("application/problem+json");
  expect(answer.body).toEqual(GONE);
}

describe("making an invite", () => {
  it("answers 201 with a token of at least 128 random bits and its url, shown only then", async () => {
    const owner = await person();
    const list = await createList(owner, "Groceries");
    const before = Date.now();
    const made = await invite(owner, list.id, { role: "editor" });

    expect(made.token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(made.token, "base64url").length * 8).toBeGreaterThanOrEqual(128);
    expect(Buffer.from(made.token, "base64url").toString("base64url")).toBe(made.token);
    expect(made.url).toBe(`${t.config.issuer}/invite/${made.token}`);
    expect(made).toMatchObject({ role: "editor", uses: 0, max_uses: 1 });
    const expires = Date.parse(made.expires_at);
    expect(expires).toBeGreaterThanOrEqual(before + 7 * DAY - 60_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 7 * DAY + 60_000);

    const other = await invite(owner, list.id, { max_uses: 100, expires_in_days: 30 });
    expect(other.token).not.toBe(made.token);
    expect(other).toMatchObject({ role: "viewer", max_uses: 100 });
    expect(Date.parse(other.expires_at)).toBeGreaterThan(before + 29 * DAY);

    // The owner's list of invites shows them, never their tokens.
    const listed = await owner.api.request("GET", `/api/lists/${list.id}/invites`);
    expect(Invites.parse(listed.body).map((i) => i.id)).toEqual([made.id, other.id]);
    const text = JSON.stringify(listed.body);
    for (const token of [made.token, other.token]) expect(text).not.toContain(token);
    expect(text).not.toContain('"token"');
    expect(text).not.toContain('"url"');
  });

  it("keeps only the SHA-256 of the token in the database", async () => {
    const owner = await person();
    const list = await createList(owner, "Hashed");
    const made = await invite(owner, list.id);
    const { rows } = await t.pool.query("select * from list_invite where list_id = $1", [list.id]);
    expect(rows).toHaveLength(1);
    const row = z.record(z.string(), z.unknown()).parse(rows[0]);
    const hash = createHash("sha256").update(made.token).digest();
    expect(row.token_hash).toEqual(hash);
    for (const [column, value] of Object.entries(row)) {
      const forms =
        value instanceof Buffer
          ? [
              value.toString("hex"),
              value.toString("base64"),
              value.toString("base64url"),
              value.toString("latin1"),
            ]
          : [JSON.stringify(value) ?? "", String(value)];
      for (const form of forms) expect(form, column).not.toContain(made.token);
    }
  });

  it.each([
    ["an owner invite", { role: "owner" }, "role"],
    ["no role", {}, "role"],
    ["max_uses 0", { role: "viewer", max_uses: 0 }, "max_uses"],
    ["max_uses 101", { role: "viewer", max_uses: 101 }, "max_uses"],
    ["max_uses 1.5", { role: "viewer", max_uses: 1.5 }, "max_uses"],
    ["expires_in_days 0", { role: "viewer", expires_in_days: 0 }, "expires_in_days"],
    ["expires_in_days 31", { role: "viewer", expires_in_days: 31 }, "expires_in_days"],
    ["an unknown field", { role: "viewer", email: "friend@example.test" }, "body"],
  ])("refuses %s with 422 naming the field", async (_what, body, field) => {
    const owner = await person();
    const list = await createList(owner, "Strict");
    const problem = await owner.api.problem(422, "POST", `/api/lists/${list.id}/invites`, body);
    expect(problem.errors?.map((error) => error.field)).toContain(field);
    expect(await openInvites(owner, list.id)).toEqual([]);
  });
});

describe("an invite link", () => {
  it("shows any signed-in user the list, who invited and the role, without using it", async () => {
    const owner = await person();
    const visitor = await person();
    const list = await createList(owner, "Book club", "purple");
    const made = await invite(owner, list.id, { role: "editor" });
    const shown = await preview(visitor, made.token);
    expect(shown.status).toBe(200);
    expect(InvitePreviewSchema.parse(shown.body)).toEqual({
      list: { name: "Book club", color: "purple" },
      inviter: { name: `User ${owner.id}` },
      role: "editor",
      expires_at: made.expires_at,
    });
    expect(await usesOf(made.id)).toBe(0);
    await visitor.api.problem(404, "GET", `/api/lists/${list.id}`);
  });

  it("answers unknown, revoked, expired and used-up tokens with the same 404", async () => {
    const owner = await person();
    const first = await person();
    const list = await createList(owner, "Closed");
    const revoked = await invite(owner, list.id);
    expect(
      (await owner.api.request("DELETE", `/api/lists/${list.id}/invites/${revoked.id}`)).status,
    ).toBe(204);
    const expired = await invite(owner, list.id);
    await t.pool.query(
      "update list_invite set expires_at = now() - interval '1 second' where id = $1",
      [expired.id],
    );
    const usedUp = await invite(owner, list.id);
    expect((await accept(first, usedUp.token)).status).toBe(200);
    const unknown = randomBytes(32).toString("base64url");

    const visitor = await person();
    const tokens = [unknown, revoked.token, expired.token, usedUp.token, "x", "a".repeat(90)];
    for (const token of tokens) {
      expectGone(await preview(visitor, token));
      expectGone(await accept(visitor, token));
    }
    expectGone(await visitor.api.request("GET", "/api/invites/%00"));
    expect((await visitor.api.request("GET", "/api/lists")).body).toHaveLength(1);
    expect(await memberCount(list.id)).toBe(2);
    expect(await usesOf(usedUp.id)).toBe(1);
    expect(await openInvites(owner, list.id)).toEqual([]);
  });

  it("is gone with its list", async () => {
    const owner = await person();
    const visitor = await person();
    const list = await createList(owner, "Short-lived");
    const made = await invite(owner, list.id, { max_uses: 10 });
    expect((await owner.api.request("DELETE", `/api/lists/${list.id}`)).status).toBe(204);
    expectGone(await preview(visitor, made.token));
    expectGone(await accept(visitor, made.token));
    const { rows } = await t.pool.query("select 1 from list_invite where id = $1", [made.id]);
    expect(rows).toEqual([]);
  });
});

describe("accepting an invite", () => {
  it("joins the list with the invite's role and answers the list as the new member sees it", async () => {
    const owner = await person();
    const member = await person();
    const list = await createList(owner, "Trip", "orange");
    const made = await invite(owner, list.id, { role: "editor", max_uses: 2 });
    const answer = await accept(member, made.token);
    expect(answer.status).toBe(200);
    expect(ListSchema.parse(answer.body)).toMatchObject({
      id: list.id,
      name: "Trip",
      color: "orange",
      owner_id: owner.id,
      role: "editor",
      member_count: 2,
      is_inbox: false,
    });
    expect(await usesOf(made.id)).toBe(1);
    expect((await openInvites(owner, list.id)).map((i) => [i.id, i.uses])).toEqual([[made.id, 1]]);
    await member.api.create({ title: "packing list", list_id: list.id });
  });

  it("leaves a member the higher of the two roles, and uses nothing when nothing changes", async () => {
    const owner = await person();
    const editor = await person();
    const viewer = await person();
    const list = await createList(owner, "Ranked");
    await accept(editor, (await invite(owner, list.id, { role: "editor" })).token);
    await accept(viewer, (await invite(owner, list.id, { role: "viewer" })).token);

    const forViewers = await invite(owner, list.id, { role: "viewer", max_uses: 5 });
    const kept = await accept(editor, forViewers.token);
    expect(ListSchema.parse(kept.body).role).toBe("editor");
    const own = await accept(owner, forViewers.token);
    expect(ListSchema.parse(own.body).role).toBe("owner");
    const again = await accept(viewer, forViewers.token);
    expect(ListSchema.parse(again.body).role).toBe("viewer");
    expect(await usesOf(forViewers.id)).toBe(0);

    const forEditors = await invite(owner, list.id, { role: "editor", max_uses: 5 });
    const raised = await accept(viewer, forEditors.token);
    expect(ListSchema.parse(raised.body).role).toBe("editor");
    expect(await usesOf(forEditors.id)).toBe(1);
    await viewer.api.create({ title: "now an editor", list_id: list.id });
    expect(await memberCount(list.id)).toBe(3);
  });

  it("lets exactly one of 20 people in through a one-use invite, however they race", async () => {
    const owner = await person();
    const list = await createList(owner, "One seat");
    const made = await invite(owner, list.id, { role: "editor" });
    const people = await Promise.all(Array.from({ length: 20 }, () => person()));
    const answers = await Promise.all(people.map((who) => accept(who, made.token)));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 404)).toHaveLength(19);
    for (const answer of answers) if (answer.status === 404) expect(answer.body).toEqual(GONE);
    expect(await memberCount(list.id)).toBe(2);
    expect(await usesOf(made.id)).toBe(1);
  });

  it("lets exactly max_uses people in when more race", async () => {
    const owner = await person();
    const list = await createList(owner, "Three seats");
    const made = await invite(owner, list.id, { max_uses: 3 });
    const people = await Promise.all(Array.from({ length: 8 }, () => person()));
    const answers = await Promise.all(people.map((who) => accept(who, made.token)));
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(3);
    expect(await memberCount(list.id)).toBe(4);
    expect(await usesOf(made.id)).toBe(3);
  });

  it("ends with the higher role when one person accepts two invites of a list at once", async () => {
    const owner = await person();
    const list = await createList(owner, "Two links");
    const forViewers = await invite(owner, list.id, { role: "viewer", max_uses: 10 });
    const forEditors = await invite(owner, list.id, { role: "editor", max_uses: 10 });
    const people = await Promise.all(Array.from({ length: 5 }, () => person()));
    const answers = await Promise.all(
      people.flatMap((who) => [accept(who, forViewers.token), accept(who, forEditors.token)]),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 10 }, () => 200));
    const { rows } = await t.pool.query(
      "select user_id, role from list_member where list_id = $1 and role <> 'owner'",
      [list.id],
    );
    expect(rows).toHaveLength(5);
    for (const row of z.array(z.object({ role: z.string() })).parse(rows))
      expect(row.role).toBe("editor");
    // The editor link always raised or made a membership; the viewer link only when it came first.
    expect(await usesOf(forEditors.id)).toBe(5);
    expect(await usesOf(forViewers.id)).toBeLessThanOrEqual(5);
  });

  it("joins an archived list, whose tasks are then read-only for the new member too", async () => {
    const owner = await person();
    const member = await person();
    const list = await createList(owner, "Archive");
    const task = await owner.api.create({ title: "old", list_id: list.id });
    const made = await invite(owner, list.id, { role: "editor" });
    await owner.api.expect(200, ListSchema, "PATCH", `/api/lists/${list.id}`, { archived: true });
    const joined = await accept(member, made.token);
    expect(ListSchema.parse(joined.body)).toMatchObject({ archived: true, role: "editor" });
    expect((await member.api.get(task.id)).title).toBe("old");
    await member.api.problem(409, "PATCH", `/api/tasks/${task.id}`, { title: "new" });
  });

  it("is limited per user: 429 with Retry-After after 10 a minute", async () => {
    const owner = await person();
    const eager = await person();
    const patient = await person();
    const list = await createList(owner, "Limited");
    const made = await invite(owner, list.id);
    for (let n = 0; n < 10; n++)
      expectGone(await accept(eager, randomBytes(32).toString("base64url")));
    const limited = await accept(eager, made.token);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited.headers.get("content-type")).toContain("application/problem+json");
    expect(ProblemSchema.parse(limited.body).status).toBe(429);
    expect(await memberCount(list.id)).toBe(1);
    // Another user is not held back by it, and the limit is on accepting only.
    expect((await accept(patient, made.token)).status).toBe(200);
    expect((await preview(eager, made.token)).status).toBe(404);
    expect((await eager.api.request("GET", "/api/lists")).status).toBe(200);
  });

  it("tells a deleted account's still-valid token that its user is gone (401)", async () => {
    const owner = await person();
    const gone = await person();
    const list = await createList(owner, "Too late");
    const made = await invite(owner, list.id);
    await t.pool.query(`delete from "user" where id = $1`, [gone.id]);
    const answer = await accept(gone, made.token);
    expect(answer.status).toBe(401);
    expect(await usesOf(made.id)).toBe(0);
  });
});

describe("the owner's invites", () => {
  it("lists only open ones: not revoked, not expired, not used up", async () => {
    const owner = await person();
    const member = await person();
    const list = await createList(owner, "Open");
    const open = await invite(owner, list.id, { max_uses: 2 });
    const revoked = await invite(owner, list.id);
    const expired = await invite(owner, list.id);
    const usedUp = await invite(owner, list.id);
    await owner.api.request("DELETE", `/api/lists/${list.id}/invites/${revoked.id}`);
    await t.pool.query(
      "update list_invite set expires_at = now() - interval '1 ms' where id = $1",
      [expired.id],
    );
    await accept(member, usedUp.token);
    expect((await openInvites(owner, list.id)).map((i) => i.id)).toEqual([open.id]);
  });

  it("revokes one at once; again is 204; an invite of another list or none is 404", async () => {
    const owner = await person();
    const visitor = await person();
    const list = await createList(owner, "Revocable");
    const otherList = await createList(owner, "Other");
    const made = await invite(owner, list.id, { max_uses: 5 });
    const elsewhere = await invite(owner, otherList.id);
    expect((await preview(visitor, made.token)).status).toBe(200);

    const path = `/api/lists/${list.id}/invites/${made.id}`;
    const revoked = await owner.api.request("DELETE", path);
    expect(revoked.status).toBe(204);
    expectGone(await preview(visitor, made.token));
    expectGone(await accept(visitor, made.token));
    const { rows } = await t.pool.query("select revoked_at from list_invite where id = $1", [
      made.id,
    ]);
    const first = z.array(z.object({ revoked_at: z.date() })).parse(rows)[0]?.revoked_at;
    expect((await owner.api.request("DELETE", path)).status).toBe(204);
    const { rows: after } = await t.pool.query("select revoked_at from list_invite where id = $1", [
      made.id,
    ]);
    expect(z.array(z.object({ revoked_at: z.date() })).parse(after)[0]?.revoked_at).toEqual(first);

    for (const id of [elsewhere.id, randomUUID(), "not-an-id"]) {
      const problem = await owner.api.problem(404, "DELETE", `/api/lists/${list.id}/invites/${id}`);
      expect(problem.detail).toBe("Invite not found");
    }
    expect((await preview(visitor, elsewhere.token)).status).toBe(200);
  });
});
