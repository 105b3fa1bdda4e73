// The change feed over real HTTP, real signed tokens, real event streams and two API copies on one
// database: positions without gaps under concurrent writes, a reconnection with Last-Event-ID
// that gets exactly what it missed (from the other copy), resync when too old, 400 when not a
// position, a removed member told nothing more, pruning that keeps 7 days, and every write route
// reaching the feed.
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ListSchema } from "@taskbridge/shared/list";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { FEED_RETENTION_MS, FeedPruner, FeedRepository } from "../src/repositories/feed.ts";
import { parseLastEventId } from "../src/routes/events.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { ApiClient, listen } from "./support/http.ts";
import { EventStream, type ServerEvent } from "./support/sse.ts";

const database = await useTestDatabase();

interface Copy {
  copy: TestApp;
  origin: string;
}
const copies: TestApp[] = [];
const streams: EventStream[] = [];
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
afterEach(async () => {
  await Promise.all(streams.splice(0).map((stream) => stream.close().catch(() => undefined)));
});
afterAll(async () => {
  for (const copy of copies.splice(0)) await copy.close();
});

async function sql<T extends Record<string, unknown>>(text: string, values: unknown[] = []) {
  return (await a.copy.pool.query<T>(text, values)).rows;
}

const apiOf = (on: Copy, userId: string) =>
  new ApiClient(on.origin, () => on.copy.tokenFor(userId));

async function connect(on: Copy, userId: string, lastEventId?: string): Promise<Response> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${await on.copy.tokenFor(userId)}`,
  };
  if (lastEventId !== undefined) headers["last-event-id"] = lastEventId;
  return fetch(`${on.origin}/api/events`, { headers });
}

async function openStream(on: Copy, userId: string, lastEventId?: string) {
  const response = await connect(on, userId, lastEventId);
  expect(response.status).toBe(200);
  const stream = new EventStream(response);
  streams.push(stream);
  const ready = await stream.until((event) => event.name === "ready");
  return { stream, ready };
}

interface FeedRow extends Record<string, unknown> {
  position: number;
  kind: string;
  list_id: string;
  task_id: string | null;
  member_id: string | null;
  op: string;
}
async function feedOf(userId: string, after = 0): Promise<FeedRow[]> {
  return sql<FeedRow>(
    `select position::int, kind, list_id, task_id, member_id, op from change_feed
     where user_id = $1 and position > $2 order by position`,
    [userId, after],
  );
}
async function headOf(userId: string): Promise<number> {
  const [row] = await sql<{ last: number }>(
    `select last::int from change_feed_head where user_id = $1`,
    [userId],
  );
  return row?.last ?? 0;
}

/** A feed row as the stream writes it. */
const asEvent = (row: FeedRow): ServerEvent => ({
  id: String(row.position),
  name: row.kind,
  data:
    row.kind === "task"
      ? { id: row.task_id, op: row.op }
      : { list_id: row.list_id, user_id: row.member_id, op: row.op },
});
const changes = (events: ServerEvent[]) =>
  events.filter((event) => event.name === "task" || event.name === "lists");
const atPosition = (position: number) => (event: ServerEvent) =>
  event.id === String(position) && (event.name === "task" || event.name === "lists");

async function sharedList(owner: string, members: Record<string, "editor" | "viewer">) {
  const { data } = await apiOf(a, owner).expect(201, ListSchema, "POST", "/api/lists", {
    name: `Shared ${Math.random().toString(36).slice(2, 8)}`,
  });
  for (const [userId, role] of Object.entries(members))
    await sql(`insert into list_member (user_id, list_id, role) values ($1, $2, $3)`, [
      userId,
      data.id,
      role,
    ]);
  return data.id;
}

describe("positions", () => {
  it("grow by exactly one per change of a user, and a reader never sees a later one before an earlier", async () => {
    const ada = await a.copy.createUser();
    const ben = await a.copy.createUser();
    const listId = await sharedList(ada, { [ben]: "editor" });
    const startAda = await headOf(ada);
    const startBen = await headOf(ben);

    // Writers in transactions that hold their change a while before committing, so that commits
    // would land out of order if positions were handed out without waiting.
    const writers = Array.from({ length: 6 }, async (_, w) => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        for (let i = 0; i < 6; i++) {
          await client.query("begin");
          await client.query(
            `insert into task (user_id, list_id, title, created_by) values ($1, $2, $3, $1)`,
            [w % 2 === 0 ? ada : ben, listId, `w${w} #${i}`],
          );
          await client.query(`select pg_sleep(random() * 0.02)`);
          await client.query(w === 5 && i === 3 ? "rollback" : "commit");
        }
      } finally {
        await client.end();
      }
    });
    // Writes through both copies at the same time.
    const api = Array.from({ length: 12 }, (_, i) =>
      apiOf(i % 2 ? a : b, i % 3 ? ada : ben).create({ title: `api #${i}`, list_id: listId }),
    );
    let done = false;
    const reader = (async () => {
      let reads = 0;
      while (!done || reads < 3) {
        reads += 1;
        for (const userId of [ada, ben]) {
          const positions = (await feedOf(userId)).map((row) => row.position);
          // Every position from the first to the last, none missing.
          expect(positions).toEqual(positions.map((_, i) => i + 1));
        }
      }
      return reads;
    })();
    await Promise.all([...writers, ...api]);
    done = true;
    expect(await reader).toBeGreaterThan(2);

    // 35 committed inserts and 12 made through the API, each once in both feeds.
    for (const [userId, start] of [
      [ada, startAda],
      [ben, startBen],
    ] as const) {
      const rows = await feedOf(userId, start);
      expect(rows.map((row) => row.position)).toEqual(rows.map((_, i) => start + i + 1));
      expect(rows.filter((row) => row.kind === "task" && row.op === "insert")).toHaveLength(47);
      expect(await headOf(userId)).toBe(start + 47);
    }
  });
});

describe("reconnecting with Last-Event-ID", () => {
  it("replays exactly the changes missed, once and in order, then goes on live", async () => {
    const ada = await a.copy.createUser();
    const ben = await a.copy.createUser();
    const listId = await sharedList(ada, { [ben]: "editor" });
    const adaApi = apiOf(a, ada);

    const first = await openStream(a, ben);
    // `ready` carries where the feed stood.
    expect(first.ready.id).toBe(String(await headOf(ben)));
    const seen = await adaApi.create({ title: "Seen live", list_id: listId });
    const live = await first.stream.until(
      (event) => event.name === "task" && (event.data as { id: string }).id === seen.id,
    );
    expect(live.id).toBe(String(await headOf(ben)));
    await first.stream.close();

    // While Ben is away: another member's changes to the shared list, a deletion among them, a
    // rename; and Ada's own Inbox, which Ben never hears of.
    const added = await adaApi.create({ title: "Added while away", list_id: listId });
    await adaApi.update(seen.id, { title: "Edited while away" });
    await adaApi.expect(204, z.unknown(), "DELETE", `/api/tasks/${added.id}`);
    await adaApi.expect(200, ListSchema, "PATCH", `/api/lists/${listId}`, { name: "Renamed" });
    await adaApi.create({ title: "Ada's own" });

    const missed = await feedOf(ben, Number(live.id));
    expect(missed.map((row) => [row.kind, row.task_id, row.op])).toEqual([
      ["task", added.id, "insert"],
      ["task", seen.id, "update"],
      ["task", added.id, "delete"],
      ["lists", null, "update"],
    ]);

    // Back, on the other copy: the missed changes first, then a live one, each once.
    const { stream, ready } = await openStream(b, ben, live.id);
    expect(ready.id).toBeUndefined();
    const lastMissed = missed.at(-1)?.position ?? 0;
    await stream.until(atPosition(lastMissed));
    const after = await adaApi.create({ title: "After coming back", list_id: listId });
    await stream.until(atPosition(lastMissed + 1));
    const all = await feedOf(ben, Number(live.id));
    expect(all.at(-1)).toMatchObject({ task_id: after.id, op: "insert" });
    expect(changes(stream.seen)).toEqual(all.map(asEvent));
    expect(stream.named("resync")).toEqual([]);
  });

  it("gives every open stream of a user the same changes with the same ids", async () => {
    const ada = await a.copy.createUser();
    const opened = [
      await openStream(a, ada),
      await openStream(a, ada),
      await openStream(b, ada),
      await openStream(a, ada, "0"),
    ];
    const start = await headOf(ada);
    const api = apiOf(b, ada);
    await Promise.all(Array.from({ length: 8 }, (_, i) => api.create({ title: `Burst ${i}` })));
    const end = start + 8;
    expect(await headOf(ada)).toBe(end);
    const expected = (await feedOf(ada)).map(asEvent);
    for (const { stream } of opened) await stream.until(atPosition(end));
    for (const { stream, ready } of opened.slice(0, 3))
      expect(changes(stream.seen)).toEqual(expected.slice(Number(ready.id)));
    // The one that came back from 0 got the whole feed first, then the burst.
    expect(changes(opened[3]?.stream.seen ?? [])).toEqual(expected);
  });

  it("gets event: resync when the position is older than what is kept, or unknown", async () => {
    const ada = await a.copy.createUser();
    const api = apiOf(a, ada);
    for (let i = 0; i < 3; i++) await api.create({ title: `Old ${i}` });
    const head = await headOf(ada);
    // Everything of Ada's is 8 days old, and pruned.
    await sql(`update change_feed set at = now() - interval '8 days' where user_id = $1`, [ada]);
    await new FeedPruner(new FeedRepository(a.copy.db), console).run();
    expect(await feedOf(ada)).toEqual([]);

    for (const position of ["1", String(head - 1), String(head + 5)]) {
      const { stream, ready } = await openStream(b, ada, position);
      expect(ready.id).toBeUndefined();
      const resync = await stream.until((event) => event.name === "resync");
      expect(resync).toEqual({ name: "resync", id: String(head), data: {} });
      await stream.close();
    }
    // After a resync, the stream goes on from the current position.
    const { stream } = await openStream(b, ada, "1");
    await stream.until((event) => event.name === "resync");
    const task = await api.create({ title: "New" });
    const next = await stream.until((event) => event.name === "task");
    expect(next).toEqual({
      name: "task",
      id: String(head + 1),
      data: { id: task.id, op: "insert" },
    });

    // Exactly at the pruned horizon nothing is missing: a replay, no resync.
    const resumed = await openStream(a, ada, String(head));
    await resumed.stream.until(atPosition(head + 1));
    expect(changes(resumed.stream.seen)).toEqual([next]);
    expect(resumed.stream.named("resync")).toEqual([]);
  });

  it("answers 400 to a Last-Event-ID that is not a position, and ignores an empty one", async () => {
    const ada = await a.copy.createUser();
    for (const bad of ["abc", "-1", "1.5", "1e3", "12345678901234567", "0x10", "1 2"]) {
      const response = await connect(a, ada, bad);
      expect(response.status, bad).toBe(400);
      const problem = (await response.json()) as { detail: string };
      expect(problem.detail).toMatch(/Last-Event-ID/);
    }
    const { ready } = await openStream(a, ada, "");
    expect(ready.id).toBe(String(await headOf(ada)));
    const fromZero = await openStream(a, ada, "0");
    // A new account's feed starts with its Inbox; replayed from the start.
    await fromZero.stream.until(atPosition(1));
    expect(parseLastEventId(" 42 ")).toBe(42);
    expect(parseLastEventId(undefined)).toBeUndefined();
    expect(parseLastEventId(["1", "2"])).toBeNull();
  });
});

describe("a removed member", () => {
  it("hears of their removal and nothing more of that list, live or on replay", async () => {
    const ada = await a.copy.createUser();
    const ben = await a.copy.createUser();
    const listId = await sharedList(ada, { [ben]: "editor" });
    const adaApi = apiOf(a, ada);
    const before = await headOf(ben);
    const { stream } = await openStream(b, ben);

    await adaApi.expect(204, z.unknown(), "DELETE", `/api/lists/${listId}/members/${ben}`);
    const removal = await stream.until((event) => event.name === "lists");
    expect(removal.data).toEqual({ list_id: listId, user_id: ben, op: "delete" });
    const hidden = await adaApi.create({ title: "After Ben left", list_id: listId });
    await adaApi.expect(200, ListSchema, "PATCH", `/api/lists/${listId}`, { name: "Ben-less" });
    // A change of Ben's own, after Ada's: when it arrives, Ada's would have too.
    const own = await apiOf(b, ben).create({ title: "Ben's own" });
    const ownEvent = await stream.until(
      (event) => event.name === "task" && (event.data as { id: string }).id === own.id,
    );
    expect(Number(ownEvent.id)).toBe(Number(removal.id) + 1);
    await stream.close();

    const replay = await openStream(a, ben, String(before));
    await replay.stream.until(atPosition(Number(ownEvent.id)));
    expect(changes(replay.stream.seen).map((event) => event.data)).toEqual([
      { list_id: listId, user_id: ben, op: "delete" },
      { id: own.id, op: "insert" },
    ]);
    const rows = await sql(`select 1 from change_feed where user_id = $1 and task_id = $2`, [
      ben,
      hidden.id,
    ]);
    expect(rows).toEqual([]);
  });
});

describe("a removal at the same moment as a change", () => {
  /** Two connections: `first` runs `a` in a transaction and holds it open while `second` runs `b`. */
  async function race(
    first: string,
    firstValues: unknown[],
    second: string,
    secondValues: unknown[],
  ) {
    const one = new pg.Client({ connectionString: database.url });
    const two = new pg.Client({ connectionString: database.url });
    await one.connect();
    await two.connect();
    try {
      await one.query("begin");
      await one.query(first, firstValues);
      // Blocks on the first transaction's locks until it commits.
      const blocked = two.query(second, secondValues);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await one.query("commit");
      await blocked;
    } finally {
      await one.end();
      await two.end();
    }
  }

  it("tells the member of a change committed first, and not of one that waited for their removal", async () => {
    const ada = await a.copy.createUser();
    const ben = await a.copy.createUser();
    const listId = await sharedList(ada, { [ben]: "editor" });
    const task = await apiOf(a, ada).create({ title: "Contended", list_id: listId });
    const update = `update task set title = title || '!' where id = $1`;
    const remove = `delete from list_member where list_id = $1 and user_id = $2`;

    // The change first: Ben hears of it, then of his removal.
    let from = await headOf(ben);
    await race(update, [task.id], remove, [listId, ben]);
    expect((await feedOf(ben, from)).map((row) => [row.kind, row.op])).toEqual([
      ["task", "update"],
      ["lists", "delete"],
    ]);

    // The removal first: the change, which waited for it, is not for Ben any more.
    await sql(`insert into list_member (user_id, list_id, role) values ($1, $2, 'editor')`, [
      ben,
      listId,
    ]);
    from = await headOf(ben);
    const adaFrom = await headOf(ada);
    await race(remove, [listId, ben], update, [task.id]);
    expect((await feedOf(ben, from)).map((row) => [row.kind, row.op])).toEqual([
      ["lists", "delete"],
    ]);
    expect((await feedOf(ada, adaFrom)).map((row) => [row.kind, row.op])).toEqual([
      ["lists", "delete"],
      ["task", "update"],
    ]);
  });
});

describe("pruning", () => {
  it("keeps 7 days, deletes what is older in bounded batches, and raises the horizon", async () => {
    const ada = await a.copy.createUser();
    const api = apiOf(a, ada);
    for (let i = 0; i < 6; i++) await api.create({ title: `Task ${i}` });
    const rows = await feedOf(ada);
    const positions = rows.map((row) => row.position);
    // The first four are just over 7 days old, the rest just under.
    await sql(
      `update change_feed set at = case when position <= $2 then now() - interval '7 days 1 minute'
         else now() - interval '6 days 23 hours' end where user_id = $1`,
      [ada, positions[3]],
    );
    const feed = new FeedRepository(a.copy.db);
    const before = new Date(Date.now() - FEED_RETENTION_MS);
    // Other tests' rows may be old too: batches of 2 until Ada's four are gone.
    let deleted = 0;
    for (let i = 0; i < 100 && (await feedOf(ada)).length > positions.length - 4; i++) {
      const n = await feed.prune(before, 2);
      expect(n).toBeLessThanOrEqual(2);
      deleted += n;
    }
    expect(deleted).toBeGreaterThanOrEqual(4);
    expect((await feedOf(ada)).map((row) => row.position)).toEqual(positions.slice(4));
    expect(await feed.head(ada)).toEqual({ last: positions.at(-1), prunedThrough: positions[3] });
    expect(await feed.start(ada, positions[2])).toEqual({
      kind: "resync",
      position: positions.at(-1),
    });
    expect(await feed.start(ada, positions[3])).toEqual({ kind: "from", position: positions[3] });
  });

  it("forgets a deleted task's CalDAV resource with its tombstone, and keeps a live task's", async () => {
    const ada = await a.copy.createUser();
    const api = apiOf(a, ada);
    const gone = await api.create({ title: "Gone" });
    const kept = await api.create({ title: "Kept" });
    for (const task of [gone, kept])
      await sql(
        `insert into dav_resource (task_id, name, uid, ics, task_updated_at)
         values ($1, $2, $2, 'BEGIN:VCALENDAR', now())`,
        [task.id, `${task.id}.ics`],
      );
    await api.request("DELETE", `/api/tasks/${gone.id}`);
    await sql(`update change_feed set at = now() - interval '8 days' where user_id = $1`, [ada]);
    const feed = new FeedRepository(a.copy.db);
    const before = new Date(Date.now() - FEED_RETENTION_MS);
    const resources = async () =>
      (
        await sql<{ task_id: string }>(`select task_id from dav_resource where task_id = any($1)`, [
          [gone.id, kept.id],
        ])
      ).map((row) => row.task_id);
    expect((await resources()).sort()).toEqual([gone.id, kept.id].sort());
    for (let i = 0; i < 100 && (await feedOf(ada)).length > 0; i++) await feed.prune(before);
    expect(await resources()).toEqual([kept.id]);
  });

  it("prunes on one copy at a time", async () => {
    const ada = await a.copy.createUser();
    await apiOf(a, ada).create({ title: "Old" });
    await sql(`update change_feed set at = now() - interval '8 days' where user_id = $1`, [ada]);
    const feed = new FeedRepository(a.copy.db);
    const before = new Date(Date.now() - FEED_RETENTION_MS);
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    try {
      // Another copy is pruning: this one leaves it to that one.
      await other.query("begin");
      await other.query(
        "select pg_advisory_xact_lock(hashtextextended('taskbridge change_feed prune', 0))",
      );
      expect(await feed.prune(before)).toBe(0);
      expect((await feedOf(ada)).length).toBeGreaterThan(0);
      await other.query("rollback");
    } finally {
      await other.end();
    }
    for (let i = 0; i < 100 && (await feedOf(ada)).length > 0; i++) await feed.prune(before);
    expect(await feedOf(ada)).toEqual([]);
  });

  it("reads one list's changes, a task moved out of it to another of the user's lists included", async () => {
    const ada = await a.copy.createUser();
    const api = apiOf(a, ada);
    const { data: work } = await api.expect(201, ListSchema, "POST", "/api/lists", {
      name: "Work",
    });
    const { data: home } = await api.expect(201, ListSchema, "POST", "/api/lists", {
      name: "Home",
    });
    const from = await headOf(ada);
    const task = await api.create({ title: "Moving", list_id: work.id });
    await api.update(task.id, { list_id: home.id });
    const feed = new FeedRepository(a.copy.db);
    // The stream says `update`; the list it left reads it as gone from there.
    expect((await feedOf(ada, from)).map((row) => row.op)).toEqual(["insert", "update"]);
    expect(await feed.afterInList(ada, work.id, from)).toEqual([
      { position: from + 1, kind: "task", taskId: task.id, op: "insert", movedAway: false },
      { position: from + 2, kind: "task", taskId: task.id, op: "delete", movedAway: true },
    ]);
    expect(await feed.afterInList(ada, home.id, from)).toEqual([
      { position: from + 2, kind: "task", taskId: task.id, op: "update", movedAway: false },
    ]);
  });

  it("reads a user's feed, and one list of it, through indexes", async () => {
    const client = await a.copy.pool.connect();
    try {
      await client.query("begin");
      await client.query("set local enable_seqscan = off");
      const plan = async (text: string) =>
        JSON.stringify(
          (await client.query<{ "QUERY PLAN": unknown }>(`explain (format json) ${text}`)).rows,
        );
      expect(
        await plan(
          `select * from change_feed where user_id = 'u' and position > 5 order by position limit 500`,
        ),
      ).toContain("change_feed_pkey");
      expect(
        await plan(
          `select * from change_feed where user_id = 'u' and list_id = '00000000-0000-4000-8000-000000000000'
           and position > 5 order by position limit 500`,
        ),
      ).toMatch(/change_feed_user_list_idx|change_feed_pkey/);
      expect(
        await plan(
          `select * from change_feed where user_id = 'u' and position > 5
           and (list_id = '00000000-0000-4000-8000-000000000000'
             or from_list_id = '00000000-0000-4000-8000-000000000000')
           order by position limit 500`,
        ),
      ).not.toContain("Seq Scan");
      expect(
        await plan(
          `select * from change_feed where at < now() - interval '7 days' order by at limit 10`,
        ),
      ).toContain("change_feed_at_idx");
      await client.query("rollback");
    } finally {
      client.release();
    }
  });
});
