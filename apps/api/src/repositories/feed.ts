import { and, asc, eq, gt, or, sql } from "drizzle-orm";
import type { Database } from "@taskbridge/db/client";
import { changeFeed, changeFeedHead } from "@taskbridge/db/schema";

/**
 * The change feed (migration 0008): every change to a task or a list as one user sees it, at a
 * position that counts 1, 2, 3… per user without gaps. The database's triggers write it in the
 * transaction of each change, whichever route or tool makes it, so nothing here writes a change.
 * A reader asks for "everything after position N for this user, in order": one range of the
 * primary key (user_id, position).
 */

/** How long changes are kept, at least: a client away for less gets every change it missed. */
export const FEED_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** Rows one pruning statement deletes at most. */
const PRUNE_BATCH = 5000;

/** One change, as the event stream writes it. */
export type FeedEntry =
  | { position: number; kind: "task"; data: { id: string; op: FeedOp; list_id: string } }
  | {
      position: number;
      kind: "lists";
      data: { list_id: string; user_id: string | null; op: FeedOp };
    };
type FeedOp = "insert" | "update" | "delete";

/** Where a reader starts: after `position`, or over again (`resync`) from the current head. */
export type FeedStart = { kind: "from"; position: number } | { kind: "resync"; position: number };

/**
 * A user's head row as a version of everything they can see of tasks and lists: its position
 * rises with every change the feed records for them, and `xmin` (the transaction that last wrote
 * the row) tells apart two heads at the same position, should the feed ever be emptied and
 * written again. Prepared: it runs on every request for the default task list.
 */
const VERSION = {
  name: "change_feed_version",
  text: "select last::text || ':' || xmin::text as version from change_feed_head where user_id = $1",
};

export class FeedRepository {
  constructor(private readonly db: Database) {}

  /**
   * The version of what `userId` can see of tasks and lists (their tasks, lists and
   * memberships), or null before their first change. Every change the feed records for them
   * changes it, in the transaction of the change; nothing else does. A page read after this
   * call holds exactly what this version holds, or something newer; when newer, the version has
   * already moved on, so a page kept under this version is never sent for a later one.
   */
  async version(userId: string): Promise<string | null> {
    const { rows } = await this.db.$client.query<{ version: string }>({
      ...VERSION,
      values: [userId],
    });
    return rows[0]?.version ?? null;
  }

  /** The position of the user's latest change and the highest one pruned (0, 0 for none yet). */
  async head(userId: string): Promise<{ last: number; prunedThrough: number }> {
    const [row] = await this.db
      .select({ last: changeFeedHead.last, prunedThrough: changeFeedHead.prunedThrough })
      .from(changeFeedHead)
      .where(eq(changeFeedHead.userId, userId));
    return row ?? { last: 0, prunedThrough: 0 };
  }

  /**
   * Where a reader who has seen everything up to `after` continues: after it, when every change
   * since is still kept; else (pruned away, or a position this user's feed never reached) over
   * again from the current head. Without `after`, from the current head.
   */
  async start(userId: string, after?: number): Promise<FeedStart> {
    const { last, prunedThrough } = await this.head(userId);
    if (after === undefined) return { kind: "from", position: last };
    if (after < prunedThrough || after > last) return { kind: "resync", position: last };
    return { kind: "from", position: after };
  }

  /** Up to `limit` changes of `userId` after position `after`, in order. */
  async after(userId: string, after: number, limit = 500): Promise<FeedEntry[]> {
    const rows = await this.db
      .select()
      .from(changeFeed)
      .where(and(eq(changeFeed.userId, userId), gt(changeFeed.position, after)))
      .orderBy(asc(changeFeed.position))
      .limit(limit);
    return rows.map((row): FeedEntry => {
      const op = row.op as FeedOp;
      if (row.kind === "task" && row.taskId !== null)
        return {
          position: row.position,
          kind: "task",
          data: { id: row.taskId, op, list_id: row.listId },
        };
      return {
        position: row.position,
        kind: "lists",
        data: { list_id: row.listId, user_id: row.memberId, op },
      };
    });
  }

  /**
   * Up to `limit` changes of `userId` after position `after` that concern list `listId`, in
   * order: its tasks and its membership, and tasks moved out of it to another of the user's lists
   * (`from_list_id`), which are gone from it (what CalDAV's sync tokens of one collection need).
   * Two ranges of indexes led by (user_id, list_id) and (user_id, from_list_id).
   */
  async afterInList(
    userId: string,
    listId: string,
    after: number,
    limit = 500,
  ): Promise<
    Array<{ position: number; kind: string; taskId: string | null; op: string; movedAway: boolean }>
  > {
    const rows = await this.db
      .select()
      .from(changeFeed)
      .where(
        and(
          eq(changeFeed.userId, userId),
          gt(changeFeed.position, after),
          or(eq(changeFeed.listId, listId), eq(changeFeed.fromListId, listId)),
        ),
      )
      .orderBy(asc(changeFeed.position))
      .limit(limit);
    return rows.map((row) => ({
      position: row.position,
      kind: row.kind,
      taskId: row.taskId,
      op: row.listId === listId ? row.op : "delete",
      movedAway: row.listId !== listId,
    }));
  }

  /**
   * Deletes up to `limit` changes made before `before` (oldest first, through the index on `at`)
   * and raises each user's `pruned_through` to the highest position deleted, in one statement
   * that also forgets the CalDAV resources of deleted tasks whose tombstones it deleted;
   * answers how many were deleted. A reader behind `pruned_through` is told to start over.
   */
  async prune(before: Date, limit = PRUNE_BATCH): Promise<number> {
    // One statement (its own transaction, so no connection is held between statements). One
    // copy prunes at a time: the others find the advisory lock taken and delete nothing. Raising
    // a head waits for a writer of that user, never the other way round for long: a batch is
    // short, and a deadlock (a writer's later statement wanting a head this one holds) ends one
    // of the two, which runs again (the writer once, the pruner at its next run).
    const result = await this.db.execute<{ deleted: string }>(sql`
      with lock as materialized (
        select pg_try_advisory_xact_lock(hashtextextended('taskbridge change_feed prune', 0)) as got
      ), old as (
        select user_id, position from change_feed
        where at < ${before.toISOString()}::timestamptz and (select got from lock)
        order by at limit ${limit}
      ), gone as (
        delete from change_feed f using old
        where f.user_id = old.user_id and f.position = old.position
        returning f.user_id, f.position, f.task_id, f.op
      ), forgotten as (
        -- A deleted task's CalDAV resource was kept so a sync could name it as gone; once its
        -- tombstone is pruned no sync token reaches it any more.
        delete from dav_resource r using gone
        where gone.op = 'delete' and r.task_id = gone.task_id
          and not exists (select 1 from task t where t.id = r.task_id)
      ), horizon as (
        select user_id, max(position) as through, count(*) as n from gone group by user_id
      ), raised as (
        update change_feed_head h set pruned_through = greatest(h.pruned_through, horizon.through)
        from horizon where h.user_id = horizon.user_id
        returning h.user_id
      )
      select coalesce((select sum(n) from horizon), 0)::text as deleted,
        (select count(*) from raised) as heads`);
    return Number(result.rows[0]?.deleted ?? 0);
  }
}

/**
 * Prunes the feed every `everyMs` (the first time `firstAfterMs` after start), in bounded
 * batches, keeping every change younger than `FEED_RETENTION_MS`. Every API copy runs it; a batch
 * runs only while no other copy's does (an advisory lock), so copies never contend over the same
 * rows.
 */
export class FeedPruner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly feed: FeedRepository,
    private readonly log: { warn(obj: object, msg: string): void },
    private readonly everyMs = 60 * 60 * 1000,
    private readonly firstAfterMs = 60 * 1000,
    /** Batches per run at most, so one run stays short; the next run continues. */
    private readonly maxBatches = 20,
  ) {}

  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = setInterval(() => void this.run(), this.everyMs);
      this.timer.unref();
      void this.run();
    }, this.firstAfterMs);
    this.timer.unref();
  }

  /** One run: batches until a short one (or `maxBatches`). */
  run(now = new Date()): Promise<void> {
    this.running ??= (async () => {
      try {
        const before = new Date(now.getTime() - FEED_RETENTION_MS);
        for (let i = 0; i < this.maxBatches; i++) {
          const deleted = await this.feed.prune(before);
          if (deleted < PRUNE_BATCH) break;
        }
      } catch (error) {
        this.log.warn(
          { error: error instanceof Error ? error.message : String(error) },
          "could not prune the change feed",
        );
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
