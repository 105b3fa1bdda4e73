import { and, asc, eq } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { Database } from "@taskbridge/db/client";
import { task } from "@taskbridge/db/schema";
import type { ListIdsCache } from "../live/list-ids.ts";
import type { CsvTask, TodoistTask } from "../transfer/todoist.ts";
import { lockLists, membershipOf } from "./access.ts";
import { ListRepository } from "./lists.ts";
import { refuseWrite, type WriteResult } from "./tasks.ts";

type Refusal = Exclude<WriteResult, { kind: "ok" | "invalid" }>;

/** Rows per insert statement: well under PostgreSQL's 65,535 parameters. */
const ROWS_PER_INSERT = 500;

/**
 * One list to and from Todoist's CSV. The access rule is the one every task route uses: a list
 * the caller is not in is not found, and a viewer (or an archived list) cannot take an import.
 */
export class TodoistRepository {
  private readonly lists: ListRepository;

  constructor(
    private readonly db: Database,
    listIds?: ListIdsCache,
  ) {
    this.lists = new ListRepository(db, listIds);
  }

  /** The list's name and its open tasks, oldest first; null when the caller is not in it. */
  async openTasksOf(
    userId: string,
    listId: string,
  ): Promise<{ name: string; tasks: CsvTask[] } | null> {
    return this.db.transaction(
      async (tx) => {
        const found = await this.lists.find(userId, listId, tx);
        if (!found) return null;
        const rows = await tx
          .select({
            id: task.id,
            parent_id: task.parentId,
            title: task.title,
            description: task.description,
            priority: task.priority,
            tags: task.tags,
            due_date: task.dueDate,
            due_time: task.dueTime,
            recurrence: task.recurrence,
          })
          .from(task)
          .where(and(eq(task.listId, listId), eq(task.completed, false)))
          .orderBy(asc(task.createdAt), asc(task.id));
        return {
          name: found.name,
          tasks: rows.map((row) => ({ ...row, due_time: row.due_time?.slice(0, 5) ?? null })),
        };
      },
      { isolationLevel: "repeatable read", accessMode: "read only" },
    );
  }

  /**
   * Creates `tasks` in the list, in one transaction: all of them or, on any error, none. Each
   * task's parent is an earlier task of the same import.
   */
  async importInto(
    userId: string,
    listId: string,
    tasks: readonly TodoistTask[],
  ): Promise<{ kind: "ok"; created: number; subtasks: number } | Refusal> {
    return this.db.transaction(async (tx) => {
      const membership = await membershipOf(tx, userId, listId);
      if (!membership) return { kind: "not-found", what: "List" } as const;
      const refused = refuseWrite(membership);
      if (refused) return refused as Refusal;
      await lockLists(tx, [listId]);
      const ids = tasks.map(() => uuidv7());
      const rows = tasks.map((one, index) => ({
        id: ids[index] ?? uuidv7(),
        userId: membership.ownerId,
        listId,
        parentId: one.parent === null ? null : (ids[one.parent] ?? null),
        createdBy: userId,
        title: one.title,
        description: one.description,
        priority: one.priority,
        tags: one.tags,
        dueDate: one.dueDate,
        dueTime: one.dueTime,
        recurrence: one.recurrence,
      }));
      // Level by level, so each parent's row (and its insert in the change feed) comes before its
      // subtasks' and the count updates they cause.
      const depths: number[] = [];
      tasks.forEach((one, index) => {
        depths[index] = one.parent === null ? 0 : (depths[one.parent] ?? 0) + 1;
      });
      for (let depth = 0; depth <= Math.max(0, ...depths); depth += 1) {
        const level = rows.filter((_row, index) => depths[index] === depth);
        for (let start = 0; start < level.length; start += ROWS_PER_INSERT)
          await tx.insert(task).values(level.slice(start, start + ROWS_PER_INSERT));
      }
      const subtasks = tasks.filter((one) => one.parent !== null).length;
      return { kind: "ok", created: tasks.length, subtasks } as const;
    });
  }
}
