// The default task list reads the caller's list ids from a cache of its API process. Two copies
// share one database here: a membership gained on one copy shows on the other as soon as the
// database's notification arrives, and a membership lost is refused at once everywhere, cache or
// not, since every statement checks the membership itself.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InviteCreatedSchema, ListSchema } from "@taskbridge/shared/list";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { ApiClient, listen } from "./support/http.ts";

const database = await useTestDatabase();
let a: TestApp;
let b: TestApp;
let originA: string;
let originB: string;

beforeAll(async () => {
  a = await buildTestApp({ databaseUrl: database.url, mode: "hs256", sendReminders: false });
  b = await buildTestApp({ databaseUrl: database.url, mode: "hs256", sendReminders: false });
  originA = await listen(a.app);
  originB = await listen(b.app);
  // Both copies listen before anything is measured: the cache is only used while they do.
  const deadline = Date.now() + 10_000;
  while (!(a.app.listIds.isLive && b.app.listIds.isLive)) {
    if (Date.now() > deadline) throw new Error("the copies did not start listening");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
});
afterAll(async () => {
  await a.close();
  await b.close();
});

async function people() {
  const owner = await a.createUser();
  const guest = await a.createUser();
  const on = (origin: string, id: string) => new ApiClient(origin, () => a.tokenFor(id));
  return {
    guest,
    ownerA: on(originA, owner),
    guestA: on(originA, guest),
    guestB: on(originB, guest),
  };
}

const ids = (tasks: Array<{ id: string }>) => tasks.map((task) => task.id);

describe("the list ids each API copy keeps", () => {
  it("show a list joined on another copy once its notification arrives, and on the same copy at once", async () => {
    const { guest, ownerA, guestA, guestB } = await people();
    const list = (await ownerA.expect(201, ListSchema, "POST", "/api/lists", { name: "Shared" }))
      .data;
    const shared = await ownerA.create({ title: "Shared task", list_id: list.id });
    // Each copy now holds the guest's one list (the Inbox) for the default list.
    await guestA.create({ title: "Guest's own" });
    expect(ids(await guestA.list(""))).not.toContain(shared.id);
    expect(ids(await guestB.list(""))).not.toContain(shared.id);
    expect(a.app.listIds.get(guest)).toHaveLength(1);
    expect(b.app.listIds.get(guest)).toHaveLength(1);

    const invite = await ownerA.expect(
      201,
      InviteCreatedSchema,
      "POST",
      `/api/lists/${list.id}/invites`,
      {
        role: "viewer",
      },
    );
    await guestB.expect(200, ListSchema, "POST", `/api/invites/${invite.data.token}/accept`);
    // The copy that took the accept knows at once.
    expect(ids(await guestB.list(""))).toContain(shared.id);
    // The other copy learns it from the notification, within moments.
    const deadline = Date.now() + 5000;
    for (;;) {
      if (ids(await guestA.list("")).includes(shared.id)) break;
      if (Date.now() > deadline) throw new Error("copy A never showed the joined list");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });

  it("never show a list the caller has left, even to a copy that has not heard of it yet", async () => {
    const { guest, ownerA, guestA, guestB } = await people();
    const list = (await ownerA.expect(201, ListSchema, "POST", "/api/lists", { name: "Brief" }))
      .data;
    await a.pool.query(
      "insert into list_member (user_id, list_id, role) values ($1, $2, 'editor')",
      [guest, list.id],
    );
    const shared = await ownerA.create({ title: "Soon hidden", list_id: list.id });
    // Warm both copies' caches with the two lists.
    for (const client of [guestA, guestB]) {
      const deadline = Date.now() + 5000;
      while (!ids(await client.list("sort=title")).includes(shared.id)) {
        if (Date.now() > deadline) throw new Error("the shared list never showed");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    const stale = a.app.listIds.get(guest);
    expect(stale).toContain(list.id);
    await a.pool.query("delete from list_member where user_id = $1 and list_id = $2", [
      guest,
      list.id,
    ]);
    // As if the removal's notification had not arrived yet: both caches still name the list.
    for (const copy of [a, b]) copy.app.listIds.set(guest, stale ?? []);
    for (const client of [guestA, guestB]) {
      // The default list, and a list that merges the cached lists' pages (sorted by title).
      expect(ids(await client.list(""))).not.toContain(shared.id);
      expect(ids(await client.list("sort=title"))).not.toContain(shared.id);
      await client.problem(404, "GET", `/api/tasks/${shared.id}`);
    }
  });

  it("are not used while a copy does not listen, and start from nothing when it listens again", async () => {
    const { guest, ownerA, guestA } = await people();
    const list = (await ownerA.expect(201, ListSchema, "POST", "/api/lists", { name: "Outage" }))
      .data;
    const shared = await ownerA.create({ title: "Joined during the outage", list_id: list.id });
    await guestA.list("");
    // Copy A loses its LISTEN connection and the guest joins in the same statement: the
    // notification leaves when nobody on A listens.
    await a.pool.query(
      `with joined as (insert into list_member (user_id, list_id, role) values ($1, $2, 'viewer'))
       select pg_terminate_backend(pid) from pg_stat_activity
       where application_name = 'taskbridge-live' and datname = current_database()`,
      [guest, list.id],
    );
    // Whether or not A has noticed yet, the guest sees the list: a deaf copy does not use the
    // cache, and one that listens again starts from nothing.
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (ids(await guestA.list("")).includes(shared.id)) break;
      if (Date.now() > deadline) throw new Error("copy A never showed the list joined");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
});
