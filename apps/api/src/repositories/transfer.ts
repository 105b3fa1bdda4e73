import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { Database } from "@taskbridge/db/client";
import { importOrigin, list, listMember, task, user } from "@taskbridge/db/schema";
import {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  type ExportDocument,
  type ExportTask,
  type ImportReport,
} from "@taskbridge/shared/export";
import { OWNED_LISTS_MAX } from "@taskbridge/shared/list";
import type { List } from "@taskbridge/shared/list";
import type { Task } from "@taskbridge/shared/task";
import type { ListIdsCache } from "../live/list-ids.ts";
import type { Transaction } from "./access.ts";
import { ListRepository, OWNED_LISTS_LOCK } from "./lists.ts";
import { taskColumns, taskFromRow } from "./task-statements.ts";

/** What an export writes: the list answer, its members, its tasks. */
export interface ExportedList extends List {
  members: Array<{ email: string; role: "owner" | "editor" | "viewer" }>;
  tasks: Task[];
}

export interface Export {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  exported_at: string;
  lists: ExportedList[];
}

/** An import the account cannot take (more lists than a user may own). */
export class ImportRefused extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = "ImportRefused";
  }
}

/** The caller has no Inbox: their account was deleted while their token is still valid. */
export class CallerGone extends Error {
  constructor() {
    super("the caller has no Inbox");
    this.name = "CallerGone";
  }
}

/** How deep a task sits in its list of the file: 0 for a top-level task. */
function depthIn(tasks: Map<string, ExportTask>, exported: ExportTask): number {
  let depth = 0;
  let parent = exported.parent_id;
  while (parent !== null) {
    depth += 1;
    parent = tasks.get(parent)?.parent_id ?? null;
  }
  return depth;
}

/**
 * The JSON export and import. An export reads only lists the caller owns; an import writes only
 * rows of the caller: new lists they own, tasks in those lists and in their Inbox, and the rows
 * of import_origin keyed by them. Every write goes to the normal tables, so the change feed's
 * triggers record it as any other write.
 */
export class TransferRepository {
  private readonly lists: ListRepository;

  constructor(
    private readonly db: Database,
    private readonly listIds?: ListIdsCache,
  ) {
    this.lists = new ListRepository(db, listIds);
  }

  /** Everything the caller owns, read in one snapshot. */
  async exportOf(userId: string): Promise<Export> {
    return this.db.transaction(
      async (tx) => {
        const owned = await this.lists.owned(userId, tx);
        const ids = owned.map((each) => each.id);
        const members = ids.length
          ? await tx
              .select({ listId: listMember.listId, email: user.email, role: listMember.role })
              .from(listMember)
              .innerJoin(user, eq(user.id, listMember.userId))
              .where(inArray(listMember.listId, ids))
              .orderBy(asc(listMember.joinedAt), asc(listMember.userId))
          : [];
        const { rows } = await tx.execute(
          sql`select ${sql.raw(taskColumns("t"))} from ${task} t
            where t.user_id = ${userId} order by t.created_at, t.id`,
        );
        const tasks = rows.map(taskFromRow);
        return {
          format: EXPORT_FORMAT,
          version: EXPORT_VERSION,
          exported_at: new Date().toISOString(),
          lists: owned.map((each) => ({
            ...each,
            members: members
              .filter((member) => member.listId === each.id)
              .map(({ email, role }) => ({ email, role })),
            tasks: tasks.filter((one) => one.list_id === each.id),
          })),
        };
      },
      { isolationLevel: "repeatable read", accessMode: "read only" },
    );
  }

  /**
   * The file's lists and tasks as the caller's: what an earlier import of the same ids made is
   * updated, the rest is created. One transaction; imports by one user are serialised with the
   * creation of lists (the same lock), so the cap of owned lists holds.
   */
  async importFor(userId: string, document: ExportDocument): Promise<ImportReport> {
    const report = await this.db.transaction(async (tx) => {
      await tx.execute(
        sql`select pg_advisory_xact_lock(hashtextextended(${userId}::text, ${OWNED_LISTS_LOCK}))`,
      );
      const counts: ImportReport = {
        lists: { created: 0, updated: 0 },
        tasks: { created: 0, updated: 0 },
      };
      const [inbox] = await tx
        .select({ id: list.id })
        .from(list)
        .where(and(eq(list.ownerId, userId), eq(list.isInbox, true)));
      if (!inbox) throw new CallerGone();
      const [owned] = await tx
        .select({ n: sql<number>`count(*)::int`.mapWith(Number) })
        .from(list)
        .where(and(eq(list.ownerId, userId), eq(list.isInbox, false)));
      let ownedCount = owned?.n ?? 0;

      const listTargets = new Map<string, string>();
      for (const exported of document.lists) {
        if (exported.is_inbox) {
          listTargets.set(exported.id, inbox.id);
          continue;
        }
        const existing = await this.origin(tx, userId, "list", exported.id);
        if (existing) {
          await tx
            .update(list)
            .set({
              name: exported.name,
              color: exported.color,
              archived: exported.archived,
              updatedAt: sql`clock_timestamp()`,
            })
            .where(
              and(
                eq(list.id, existing),
                sql`(${list.name}, ${list.color}, ${list.archived}) is distinct from
                  (${exported.name}, ${exported.color}::list_color, ${exported.archived})`,
              ),
            );
          listTargets.set(exported.id, existing);
          counts.lists.updated += 1;
          continue;
        }
        if (ownedCount >= OWNED_LISTS_MAX)
          throw new ImportRefused(
            `The import would make you own more than ${OWNED_LISTS_MAX} lists besides the Inbox`,
          );
        const [inserted] = await tx
          .insert(list)
          .values({
            ownerId: userId,
            name: exported.name,
            color: exported.color,
            archived: exported.archived,
          })
          .returning({ id: list.id });
        if (!inserted) throw new Error("insert returned no row");
        await this.remember(tx, userId, "list", exported.id, inserted.id);
        listTargets.set(exported.id, inserted.id);
        ownedCount += 1;
        counts.lists.created += 1;
      }

      const taskTargets = new Map<string, string>();
      for (const exported of document.lists) {
        const listId = listTargets.get(exported.id);
        if (listId === undefined) throw new Error("a list of the file has no target");
        const byId = new Map(exported.tasks.map((one) => [one.id, one]));
        // Parents before their subtasks, so each parent already has its row.
        const ordered = exported.tasks
          .map((one) => ({ one, depth: depthIn(byId, one) }))
          .sort((a, b) => a.depth - b.depth)
          .map(({ one }) => one);
        for (const one of ordered) {
          const parentId = one.parent_id === null ? null : (taskTargets.get(one.parent_id) ?? null);
          const fields = {
            title: one.title,
            description: one.description,
            completed: one.completed,
            priority: one.priority,
            dueDate: one.due_date,
            dueTime: one.due_time,
            tags: one.tags,
            recurrence: one.recurrence,
            remindAt: one.remind_at === null ? null : new Date(one.remind_at),
            remindedAt: one.reminded_at === null ? null : new Date(one.reminded_at),
            listId,
            parentId,
            assigneeId: null,
          };
          const existing = await this.origin(tx, userId, "task", one.id);
          if (existing) {
            // The same reminder time again keeps whether it has rung, as an edit does: importing
            // a file twice never rings a reminder twice.
            const remindedAt = sql`case when ${task.remindAt} is not distinct from ${fields.remindAt}::timestamptz
              then ${task.remindedAt} else ${fields.remindedAt}::timestamptz end`;
            await tx
              .update(task)
              .set({ ...fields, remindedAt, updatedAt: sql`clock_timestamp()` })
              .where(eq(task.id, existing));
            taskTargets.set(one.id, existing);
            counts.tasks.updated += 1;
            continue;
          }
          const id = uuidv7();
          await tx.insert(task).values({ ...fields, id, userId, createdBy: userId });
          await this.remember(tx, userId, "task", one.id, id);
          taskTargets.set(one.id, id);
          counts.tasks.created += 1;
        }
      }
      return counts;
    });
    // The caller's next request, on this copy, reads the lists the import made.
    this.listIds?.forget(userId);
    return report;
  }

  /**
   * The row an earlier import of the caller made from `sourceId`, while it is still theirs:
   * a list they own, or a task in one.
   */
  private async origin(
    tx: Transaction,
    userId: string,
    kind: "list" | "task",
    sourceId: string,
  ): Promise<string | null> {
    const key = and(
      eq(importOrigin.userId, userId),
      eq(importOrigin.kind, kind),
      eq(importOrigin.sourceId, sourceId),
    );
    if (kind === "list") {
      const [row] = await tx
        .select({ id: list.id })
        .from(importOrigin)
        .innerJoin(list, and(eq(list.id, importOrigin.listId), eq(list.ownerId, userId)))
        .where(key);
      return row?.id ?? null;
    }
    const [row] = await tx
      .select({ id: task.id })
      .from(importOrigin)
      .innerJoin(task, and(eq(task.id, importOrigin.taskId), eq(task.userId, userId)))
      .where(key)
      .for("update", { of: task });
    return row?.id ?? null;
  }

  private async remember(
    tx: Transaction,
    userId: string,
    kind: "list" | "task",
    sourceId: string,
    targetId: string,
  ): Promise<void> {
    const target =
      kind === "list" ? { listId: targetId, taskId: null } : { listId: null, taskId: targetId };
    await tx
      .insert(importOrigin)
      .values({ userId, kind, sourceId, ...target })
      .onConflictDoUpdate({
        target: [importOrigin.userId, importOrigin.kind, importOrigin.sourceId],
        set: target,
      });
  }
}
