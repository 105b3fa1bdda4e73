import { and, asc, desc, eq, ilike, isNotNull, isNull, or, sql, type SQL } from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { Database } from "@taskbridge/db/client";
import { task, type TaskRow } from "@taskbridge/db/schema";
import type {
  Task,
  TaskCreateParsed,
  TaskListQueryParsed,
  TaskUpdateParsed,
} from "@taskbridge/shared/task";
import { sortKeyOf } from "@taskbridge/shared/task-rules";
import type { Cursor } from "../lib/cursor.ts";

export function toTask(row: TaskRow): Task {
  return {
    id: row.id,
    user_id: row.userId,
    title: row.title,
    description: row.description,
    completed: row.completed,
    priority: row.priority,
    due_date: row.dueDate ? row.dueDate.toISOString() : null,
    tags: row.tags,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/** `%`, `_` and `\` typed by a user are characters to find, not LIKE wildcards. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const sortColumns = {
  created: task.createdAt,
  updated: task.updatedAt,
  due_date: task.dueDate,
  priority: task.priority,
  title: sql`lower(${task.title})`,
} as const;

/** The value a cursor keeps for a row under a sort key. */
export function sortValue(row: TaskRow, sort: TaskListQueryParsed["sort"]): string | null {
  switch (sortKeyOf(sort)) {
    case "created":
      return row.createdAt.toISOString();
    case "updated":
      return row.updatedAt.toISOString();
    case "due_date":
      return row.dueDate ? row.dueDate.toISOString() : null;
    case "priority":
      return row.priority;
    default:
      return row.title.toLowerCase();
  }
}

function cursorValue(key: string, value: string): SQL {
  if (key === "created" || key === "updated" || key === "due_date")
    return sql`${new Date(value).toISOString()}::timestamptz`;
  if (key === "priority") return sql`${value}::task_priority`;
  return sql`${value}`;
}

/**
 * Where the next page starts: a row-value comparison on (sort key, id), the same order as the
 * indexes, so PostgreSQL reads the page straight off the index however deep it is. A missing due
 * date sorts last going up and first going down, as PostgreSQL orders NULLs by default.
 */
function afterCursor(cursor: Cursor): SQL | undefined {
  const descending = cursor.sort.startsWith("-");
  const key = sortKeyOf(cursor.sort);
  const column = sortColumns[key];
  const id = sql`${cursor.id}::uuid`;
  if (key === "due_date" && cursor.value === null) {
    // Past all dated tasks (ascending) or within the undated ones first (descending).
    return descending
      ? or(and(isNull(task.dueDate), sql`${task.id} < ${id}`), isNotNull(task.dueDate))
      : and(isNull(task.dueDate), sql`${task.id} > ${id}`);
  }
  if (cursor.value === null) return undefined;
  const value = cursorValue(key, cursor.value);
  const beyond = descending
    ? sql`(${column}, ${task.id}) < (${value}, ${id})`
    : sql`(${column}, ${task.id}) > (${value}, ${id})`;
  return key === "due_date" && !descending ? or(beyond, isNull(task.dueDate)) : beyond;
}

export interface ListOptions extends Omit<TaskListQueryParsed, "cursor"> {
  cursor: Cursor | undefined;
}

/** Every statement names the owner: a task of someone else is simply not found. */
export class TaskRepository {
  constructor(private readonly db: Database) {}

  /** One page plus one row, so the caller knows whether another page follows. */
  async list(userId: string, options: ListOptions): Promise<TaskRow[]> {
    return this.listQuery(userId, options);
  }

  /** The list statement, unexecuted (so its plan can be inspected). */
  listQuery(userId: string, options: ListOptions) {
    const filters: Array<SQL | undefined> = [eq(task.userId, userId)];
    if (options.status === "pending") filters.push(eq(task.completed, false));
    if (options.status === "completed") filters.push(eq(task.completed, true));
    if (options.priority) filters.push(eq(task.priority, options.priority));
    if (options.tag) filters.push(sql`${task.tags} @> array[${options.tag}]::text[]`);
    if (options.q) {
      const pattern = `%${escapeLike(options.q)}%`;
      filters.push(or(ilike(task.title, pattern), ilike(task.description, pattern)));
    }
    if (options.cursor) filters.push(afterCursor(options.cursor));

    const descending = options.sort.startsWith("-");
    const key = sortKeyOf(options.sort);
    const direction = descending ? desc : asc;
    return this.db
      .select()
      .from(task)
      .where(and(...filters))
      .orderBy(direction(sortColumns[key]), direction(task.id))
      .limit(options.limit + 1);
  }

  async find(userId: string, id: string): Promise<TaskRow | null> {
    const [row] = await this.db
      .select()
      .from(task)
      .where(and(eq(task.id, id), eq(task.userId, userId)));
    return row ?? null;
  }

  async create(userId: string, input: TaskCreateParsed): Promise<TaskRow> {
    const [row] = await this.db
      .insert(task)
      .values({
        id: uuidv7(),
        userId,
        title: input.title,
        description: input.description ?? null,
        completed: input.completed ?? false,
        priority: input.priority ?? "medium",
        dueDate: input.due_date ? new Date(input.due_date) : null,
        tags: input.tags ?? [],
      })
      .returning();
    if (!row) throw new Error("insert returned no row");
    return row;
  }

  /** Changes the given fields in one statement; null when the caller owns no such task. */
  async update(userId: string, id: string, input: TaskUpdateParsed): Promise<TaskRow | null> {
    const changes: Partial<typeof task.$inferInsert> = {};
    if (input.title !== undefined) changes.title = input.title;
    if (input.description !== undefined) changes.description = input.description;
    if (input.completed !== undefined) changes.completed = input.completed;
    if (input.priority !== undefined) changes.priority = input.priority;
    if (input.due_date !== undefined)
      changes.dueDate = input.due_date === null ? null : new Date(input.due_date);
    if (input.tags !== undefined) changes.tags = input.tags;
    if (Object.keys(changes).length === 0) return this.find(userId, id);
    const [row] = await this.db
      .update(task)
      .set({ ...changes, updatedAt: sql`clock_timestamp()` })
      .where(and(eq(task.id, id), eq(task.userId, userId)))
      .returning();
    return row ?? null;
  }

  /** Flips `completed` atomically (or sets it); concurrent toggles never lose one another. */
  async toggle(userId: string, id: string, completed?: boolean): Promise<TaskRow | null> {
    const [row] = await this.db
      .update(task)
      .set({
        completed: completed === undefined ? sql`not ${task.completed}` : completed,
        updatedAt: sql`clock_timestamp()`,
      })
      .where(and(eq(task.id, id), eq(task.userId, userId)))
      .returning();
    return row ?? null;
  }

  async remove(userId: string, id: string): Promise<boolean> {
    const rows = await this.db
      .delete(task)
      .where(and(eq(task.id, id), eq(task.userId, userId)))
      .returning({ id: task.id });
    return rows.length > 0;
  }
}
