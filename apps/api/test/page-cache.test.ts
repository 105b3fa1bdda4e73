// Each API copy keeps the default task list page it last sent a caller and sends it again while
// the caller's version (the change feed's head, raised by the database's triggers in every
// change's transaction) is the same. Two copies share one database here, as behind a balancer:
// whatever changes a caller's tasks, lists or memberships, on whichever copy or straight in SQL,
// shows on every copy's very next answer, with no wait for a notification.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { InviteCreatedSchema, ListSchema } from "@taskbridge/shared/list";
import { TaskSchema } from "@taskbridge/shared/task";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { PageCache } from "../src/lib/page-cache.ts";
import { FeedRepository } from "../src/repositories/feed.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { ApiClient, listen } from "./support/http.ts";

const database = await useTestDatabase();
let a: TestApp;
let b: TestApp;
let off: TestApp;
let originA: string;
let originB: string;
let originOff: string;

beforeAll(async () => {
  const options = { databaseUrl: database.url, mode: "hs256", sendReminders: false } as const;
  a = await buildTestApp(options);
  b = await buildTestApp(options);
  off = await buildTestApp({ ...options, env: { API_PAGE_CACHE_MB: "0" } });
  originA = await listen(a.app);
  originB = await listen(b.app);
  originOff = await listen(off.app);
});
afterAll(async () => {
  await a.close();
  await b.close();
  await off.close();
});

const on = (origin: string, id: string) => new ApiClient(origin, () => a.tokenFor(id));
const titles = (tasks: Array<{ title: string }>) => tasks.map((task) => task.title);

/** The default list as the client gets it: status, the headers a client reads, the raw body. */
async function raw(origin: string, id: string, query = "") {
  const response = await fetch(`${origin}/api/tasks${query}`, {
    headers: { authorization: `Bearer ${await a.tokenFor(id)}` },
  });
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    length: response.headers.get("content-length"),
    link: response.headers.get("link"),
    body: await response.text(),
  };
}

/** The hits a copy's `/metrics` counts. */
async function hits(app: TestApp): Promise<number> {
  const text = await app.app.metrics.text();
  const line = /^taskbridge_page_cache_requests_total\{result="hit"\} (\d+)$/m.exec(text);
  return Number(line?.[1] ?? Number.NaN);
}

describe("the default task list page each copy keeps", () => {
  it("is sent again byte for byte, with the same headers as a copy that keeps none, while nothing changed", async () => {
    const me = await a.createUser();
    const client = on(originA, me);
    for (const title of ["One", "Two", "Three"]) await client.create({ title });
    const before = await hits(a);
    expect(before).toBeGreaterThanOrEqual(0);
    const first = await raw(originA, me);
    const again = await raw(originA, me);
    const uncached = await raw(originOff, me);
    expect(first.status).toBe(200);
    expect(again).toEqual(first);
    expect(uncached).toEqual(first);
    expect(titles(z.array(TaskSchema).parse(JSON.parse(first.body)))).toEqual([
      "Three",
      "Two",
      "One",
    ]);
    expect(await hits(a)).toBe(before + 1);
    expect(off.app.pageCache.size.pages).toBe(0);
  });

  it("keeps the next page's link, and one page per caller and address", async () => {
    const me = await a.createUser();
    const other = await a.createUser();
    for (const title of ["A", "B", "C"]) await on(originA, me).create({ title });
    await on(originA, other).create({ title: "Someone else's" });
    const first = await raw(originA, me, "?limit=2");
    const again = await raw(originA, me, "?limit=2");
    expect(first.link).toMatch(/rel="next"/);
    expect(again).toEqual(first);
    expect(titles(JSON.parse(first.body) as Array<{ title: string }>)).toEqual(["C", "B"]);
    expect(titles(await on(originA, me).list(""))).toEqual(["C", "B", "A"]);
    expect(titles(await on(originA, other).list(""))).toEqual(["Someone else's"]);
    expect(titles(await on(originA, me).list("limit=2"))).toEqual(["C", "B"]);
  });

  it("shows a change made on another copy, or straight in SQL, on the very next request", async () => {
    const me = await a.createUser();
    const onA = on(originA, me);
    const onB = on(originB, me);
    const parent = await onA.create({ title: "Parent" });
    const other = await onA.create({ title: "Other" });
    const list = async () => (await onA.list("")).map((t) => [t.title, t.completed]);
    expect(await list()).toEqual([
      ["Other", false],
      ["Parent", false],
    ]);
    // Each change on copy B; copy A answers from its page only if nothing changed.
    await onB.update(other.id, { title: "Renamed" });
    expect(await list()).toEqual([
      ["Renamed", false],
      ["Parent", false],
    ]);
    await onB.expect(200, TaskSchema, "PATCH", `/api/tasks/${other.id}/complete`);
    expect(await list()).toEqual([
      ["Renamed", true],
      ["Parent", false],
    ]);
    // A subtask changes its parent's counts (a trigger's update of another row).
    await onB.create({ title: "Child", parent_id: parent.id });
    const counted = await onA.list("");
    expect(counted.find((t) => t.id === parent.id)?.subtask_count).toBe(1);
    await onB.request("DELETE", `/api/tasks/${other.id}`);
    expect(titles(await onA.list(""))).toEqual(["Child", "Parent"]);
    // A script writing the table directly.
    await a.pool.query("update task set title = 'Edited in SQL' where id = $1", [parent.id]);
    expect(titles(await onA.list(""))).toEqual(["Child", "Edited in SQL"]);
    await a.pool.query("delete from task where user_id = $1", [me]);
    expect(await onA.list("")).toEqual([]);
  });

  it("never keeps a page under the version of a change committed while the page was read", async () => {
    const me = await a.createUser();
    const onA = on(originA, me);
    const task = await onA.create({ title: "Before" });
    // Copy A's own pool, wrapped: right after it reads the page's rows, and before the route
    // goes on, a change commits on another connection (as another copy's write would).
    const pool = a.pool;
    const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
    let interleave = true;
    const wrapped = async (...args: unknown[]) => {
      const result = await query(...args);
      const name = (args[0] as { name?: string } | undefined)?.name ?? "";
      if (interleave && name.startsWith("task_list_newest")) {
        interleave = false;
        await b.pool.query("update task set title = 'After' where id = $1", [task.id]);
      }
      return result;
    };
    (pool as { query: unknown }).query = wrapped;
    try {
      expect(titles(await onA.list(""))).toEqual(["Before"]);
    } finally {
      (pool as { query: unknown }).query = query;
    }
    expect(interleave).toBe(false);
    expect(titles(await onA.list(""))).toEqual(["After"]);
    expect(titles(await onA.list(""))).toEqual(["After"]);
  });

  it("never shows a list to a member removed from it, on the copy that kept the page", async () => {
    const owner = await a.createUser();
    const guest = await a.createUser();
    const ownerB = on(originB, owner);
    const guestA = on(originA, guest);
    const list = (await ownerB.expect(201, ListSchema, "POST", "/api/lists", { name: "Shared" }))
      .data;
    await ownerB.create({ title: "Shared task", list_id: list.id });
    // The guest joins through an invite, answered on copy B.
    const join = async () => {
      const invite = await ownerB.expect(
        201,
        InviteCreatedSchema,
        "POST",
        `/api/lists/${list.id}/invites`,
        { role: "viewer" },
      );
      await on(originB, guest).expect(
        200,
        ListSchema,
        "POST",
        `/api/invites/${invite.data.token}/accept`,
      );
    };
    await join();
    expect(titles(await guestA.list(""))).toEqual(["Shared task"]);
    expect(titles(await guestA.list(""))).toEqual(["Shared task"]);

    await ownerB.request("DELETE", `/api/lists/${list.id}/members/${guest}`);
    expect(await guestA.list("")).toEqual([]);

    // Joined again, then the list is deleted with its tasks.
    await join();
    expect(titles(await guestA.list(""))).toEqual(["Shared task"]);
    await ownerB.request("DELETE", `/api/lists/${list.id}`);
    expect(await guestA.list("")).toEqual([]);
  });

  it("tells apart two versions at the same feed position", async () => {
    const me = await a.createUser();
    await on(originA, me).create({ title: "Versioned" });
    const feed = new FeedRepository(a.db);
    const before = await feed.version(me);
    const position = before?.split(":")[0];
    expect(Number(position)).toBeGreaterThan(0);
    // The head row written again at the same position (as if the feed were emptied and refilled).
    await a.pool.query("update change_feed_head set last = last where user_id = $1", [me]);
    const after = await feed.version(me);
    expect(after?.split(":")[0]).toBe(position);
    expect(after).not.toBe(before);
    expect(await feed.version("no-such-user")).toBeNull();
  });
});

describe("PageCache", () => {
  const page = (bytes: number) => ({ body: Buffer.alloc(bytes, 0x20), link: undefined });

  it("sends a page only for the version it was kept under, and forgets it for another", () => {
    const cache = new PageCache(1000);
    cache.set("u", "/api/tasks", "1:10", page(10));
    expect(cache.get("u", "/api/tasks", "1:10")?.body.length).toBe(10);
    expect(cache.get("u", "/api/tasks?limit=5", "1:10")).toBeUndefined();
    expect(cache.get("v", "/api/tasks", "1:10")).toBeUndefined();
    expect(cache.get("u", "/api/tasks", "2:11")).toBeUndefined();
    expect(cache.size).toEqual({ pages: 0, bytes: 0 });
  });

  it("keeps within its bytes (the body, its key, version and link), the least recently used going first", () => {
    // Each page below counts 100 bytes: 96 of body, 3 of key ("a\n/"), 1 of version ("1").
    const cache = new PageCache(300);
    cache.set("a", "/", "1", page(96));
    cache.set("b", "/", "1", page(96));
    cache.set("c", "/", "1", page(96));
    expect(cache.get("a", "/", "1")).toBeDefined();
    cache.set("d", "/", "1", page(96));
    expect(cache.get("b", "/", "1")).toBeUndefined();
    expect(cache.get("a", "/", "1")).toBeDefined();
    expect(cache.size).toEqual({ pages: 3, bytes: 300 });
    // Replacing a page counts its bytes once; a page over the whole budget is not kept.
    cache.set("a", "/", "2", page(46));
    expect(cache.size).toEqual({ pages: 3, bytes: 250 });
    cache.set("e", "/", "1", page(297));
    expect(cache.get("e", "/", "1")).toBeUndefined();
    cache.set("e", "/", "1", { body: Buffer.alloc(10), link: "<x>" });
    expect(cache.size).toEqual({ pages: 4, bytes: 250 + 10 + 3 + 1 + 3 });
    expect(new PageCache(0).enabled).toBe(false);
  });
});
