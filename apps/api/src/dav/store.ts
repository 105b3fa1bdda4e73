import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Database } from "@taskbridge/db/client";
import type { Task } from "@taskbridge/shared/task";
import { FeedRepository } from "../repositories/feed.ts";
import { taskColumns, taskFromRow } from "../repositories/task-statements.ts";

// What CalDAV keeps besides the tasks themselves: the iCalendar text a client stored per task
// (dav_resource) and the path of each list a client made (dav_collection); and the sync tokens,
// read from the change feed.

/** A task as a CalDAV resource: its name, its UID, and what a client stored of it. */
export interface DavResource {
  task: Task;
  name: string;
  uid: string;
  /** The iCalendar text a client stored, or null for a task no client wrote. */
  ics: string | null;
  /** Whether the task is unchanged since `ics` was stored. */
  fresh: boolean;
  /**
   * The UID of the task's parent; for a task without one, the UID its stored RELATED-TO names
   * while no task of the list has it yet (the parent is still to come).
   */
  parentUid: string | null;
}

const RESOURCE_COLUMNS = sql.raw(`${taskColumns("t")},
  coalesce(r.name, t.id::text || '.ics') as dav_name,
  coalesce(r.uid, t.id::text) as dav_uid,
  r.ics as dav_ics,
  coalesce(r.task_updated_at = t.updated_at, false) as dav_fresh,
  case
    when t.parent_id is not null then coalesce(pr.uid, t.parent_id::text)
    when r.parent_uid is not null and not exists (
      select 1 from task p left join dav_resource pr2 on pr2.task_id = p.id
      where p.list_id = t.list_id and coalesce(pr2.uid, p.id::text) = r.parent_uid
    ) then r.parent_uid
  end as dav_parent_uid`);

const RESOURCE_FROM = sql.raw(`task t
  left join dav_resource r on r.task_id = t.id
  left join dav_resource pr on pr.task_id = t.parent_id`);

interface ResourceRow {
  dav_name: string;
  dav_uid: string;
  dav_ics: string | null;
  dav_fresh: boolean;
  dav_parent_uid: string | null;
}

function resourceOf(row: Record<string, unknown>): DavResource {
  const extra = row as unknown as ResourceRow;
  return {
    task: taskFromRow(row),
    name: extra.dav_name,
    uid: extra.dav_uid,
    ics: extra.dav_ics,
    fresh: extra.dav_fresh,
    parentUid: extra.dav_parent_uid,
  };
}

/** An id (a UUID), as a list's path segment. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A sync token (and ctag), as a URI (RFC 6578): a position of the reader's change feed and the
 * time zone the tasks were written in. Due times are written on the reader's clock, so a change
 * of zone changes every resource: the ctag changes, and a token of the old zone is void (the
 * client starts over, as RFC 6578 allows).
 */
const TOKEN_PREFIX = "urn:taskbridge:sync:";
const zoneMark = (zone: string) =>
  createHash("sha256").update(zone).digest("base64url").slice(0, 8);
export const syncTokenOf = (position: number, zone: string) =>
  `${TOKEN_PREFIX}${position}-${zoneMark(zone)}`;
export function positionOfToken(token: string, zone: string): number | null {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const match = /^(\d{1,15})-([\w-]{8})$/.exec(token.slice(TOKEN_PREFIX.length));
  if (!match?.[1] || match[2] !== zoneMark(zone)) return null;
  return Number(match[1]);
}

/** A change of one collection since a sync token: a task now in it, or one gone from it. */
export type SyncChange =
  { kind: "present"; resource: DavResource } | { kind: "gone"; name: string };

export class DavStore {
  private readonly feed: FeedRepository;

  constructor(private readonly db: Database) {
    this.feed = new FeedRepository(db);
  }

  /**
   * Runs `work` while holding a lock named by `key` (across API copies: a PostgreSQL advisory
   * lock held by one connection for the time of the work). Two uploads of the same new resource
   * (a client retrying) or two makings of the same calendar then run one after the other, and
   * the second sees what the first made.
   */
  async serialised<T>(key: string, work: () => Promise<T>): Promise<T> {
    const client = await this.db.$client.connect();
    // A connection whose lock could not be taken or given back is closed, not pooled: the lock
    // goes with its session.
    let healthy = false;
    try {
      await client.query("select pg_advisory_lock(hashtextextended($1, 7))", [key]);
      try {
        return await work();
      } finally {
        await client.query("select pg_advisory_unlock(hashtextextended($1, 7))", [key]);
        healthy = true;
      }
    } finally {
      client.release(!healthy);
    }
  }

  /** Every task of a list, as resources. */
  async resourcesOf(listId: string): Promise<DavResource[]> {
    const { rows } = await this.db.execute(
      sql`select ${RESOURCE_COLUMNS} from ${RESOURCE_FROM}
        where t.list_id = ${listId} order by t.created_at, t.id`,
    );
    return rows.map(resourceOf);
  }

  /** The resource of a list named `name`, or null. */
  async resourceNamed(listId: string, name: string): Promise<DavResource | null> {
    // A task no client wrote is served as `<task id>.ics`.
    const stem = name.endsWith(".ics") ? name.slice(0, -4) : "";
    const id = UUID.test(stem) ? stem.toLowerCase() : null;
    const { rows } = await this.db.execute(
      sql`select ${RESOURCE_COLUMNS} from ${RESOURCE_FROM}
        where t.list_id = ${listId}
          and (r.name = ${name} or (r.task_id is null and t.id = ${id}::uuid))
        order by t.created_at, t.id limit 1`,
    );
    return rows[0] ? resourceOf(rows[0]) : null;
  }

  /** The task of a list whose UID is `uid` (besides `except`), or null. */
  async resourceWithUid(listId: string, uid: string, except?: string): Promise<DavResource | null> {
    const { rows } = await this.db.execute(
      sql`select ${RESOURCE_COLUMNS} from ${RESOURCE_FROM}
        where t.list_id = ${listId} and coalesce(r.uid, t.id::text) = ${uid}
          ${except === undefined ? sql`` : sql`and t.id <> ${except}::uuid`}
        limit 1`,
    );
    return rows[0] ? resourceOf(rows[0]) : null;
  }

  /** Tasks of a list that name `uid` as their parent but have none yet (sent before it). */
  async waitingFor(listId: string, uid: string): Promise<string[]> {
    const { rows } = await this.db.execute<{ id: string }>(
      sql`select t.id from task t join dav_resource r on r.task_id = t.id
        where t.list_id = ${listId} and r.parent_uid = ${uid} and t.parent_id is null`,
    );
    return rows.map((row) => row.id);
  }

  /**
   * Keeps what a client stored for a task, not yet marked as the task's current text (`markFresh`
   * does that once the text is known to say what the task now is).
   */
  async store(resource: {
    taskId: string;
    name: string;
    uid: string;
    parentUid: string | null;
    ics: string;
  }): Promise<void> {
    await this.db.execute(sql`
      insert into dav_resource (task_id, name, uid, parent_uid, ics, task_updated_at)
      select ${resource.taskId}::uuid, ${resource.name}, ${resource.uid}, ${resource.parentUid},
        ${resource.ics}, 'epoch' from task t where t.id = ${resource.taskId}::uuid
      on conflict (task_id) do update set name = excluded.name, uid = excluded.uid,
        parent_uid = excluded.parent_uid, ics = excluded.ics,
        task_updated_at = excluded.task_updated_at`);
  }

  /** Marks a task's stored text as what the task is now: it is served as it is, unparsed. */
  async markFresh(taskId: string): Promise<void> {
    await this.db.execute(sql`
      update dav_resource r set task_updated_at = t.updated_at
      from task t where t.id = r.task_id and r.task_id = ${taskId}::uuid`);
  }

  /** The path segments `userId` chose for lists, by list id. */
  async segmentsOf(userId: string): Promise<Map<string, string>> {
    const { rows } = await this.db.execute<{ list_id: string; name: string }>(
      sql`select list_id, name from dav_collection where user_id = ${userId}`,
    );
    return new Map(rows.map((row) => [row.list_id, row.name]));
  }

  /** Records the path a client made a list at. */
  async nameCollection(userId: string, name: string, listId: string): Promise<void> {
    await this.db.execute(
      sql`insert into dav_collection (user_id, name, list_id) values (${userId}, ${name}, ${listId})`,
    );
  }

  /**
   * A list's sync token (and ctag): the reader's latest change feed position touching the list,
   * its tasks or its members, at least the position pruned through (a token below that is void).
   */
  async tokenOf(userId: string, listId: string, zone: string): Promise<string> {
    const { rows } = await this.db.execute<{ position: string | number }>(sql`
      select greatest(
        (select coalesce(max(position), 0) from change_feed where user_id = ${userId} and list_id = ${listId}),
        (select coalesce(max(position), 0) from change_feed where user_id = ${userId} and from_list_id = ${listId}),
        (select coalesce(max(pruned_through), 0) from change_feed_head where user_id = ${userId})
      ) as position`);
    return syncTokenOf(Number(rows[0]?.position ?? 0), zone);
  }

  /**
   * What changed in a list since `position`: each task now in it, and each task that left it
   * (deleted or moved away) by the name it had. Null when the position is void (pruned away, or
   * one the reader's feed never reached).
   */
  async changesSince(
    userId: string,
    listId: string,
    position: number,
    zone: string,
  ): Promise<{ changes: SyncChange[]; token: string } | null> {
    const head = await this.feed.head(userId);
    if (position < head.prunedThrough || position > head.last) return null;
    const token = await this.tokenOf(userId, listId, zone);
    const { rows } = await this.db.execute<{ task_id: string; name: string | null }>(sql`
      select c.task_id, r.name from (
        select distinct task_id from change_feed
        where user_id = ${userId} and kind = 'task' and position > ${position}
          and (list_id = ${listId} or from_list_id = ${listId})
      ) c left join dav_resource r on r.task_id = c.task_id`);
    if (rows.length === 0) return { changes: [], token };
    const present = new Map(
      (
        await this.db.execute(
          sql`select ${RESOURCE_COLUMNS} from ${RESOURCE_FROM}
            where t.list_id = ${listId} and t.id = any(${`{${rows.map((row) => row.task_id).join(",")}}`}::uuid[])`,
        )
      ).rows
        .map(resourceOf)
        .map((resource) => [resource.task.id, resource]),
    );
    const changes = rows.map((row): SyncChange => {
      const resource = present.get(row.task_id);
      return resource
        ? { kind: "present", resource }
        : { kind: "gone", name: row.name ?? `${row.task_id}.ics` };
    });
    return { changes, token };
  }
}
