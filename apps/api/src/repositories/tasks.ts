import {
  and,
  asc,
  desc,
  eq,
  gt,
  gte,
  ilike,
  isNotNull,
  isNull,
  lt,
  lte,
  or,
  sql,
  type SQL,
} from "drizzle-orm";
import { v7 as uuidv7 } from "uuid";
import type { Database } from "@taskbridge/db/client";
import { task, type TaskRow } from "@taskbridge/db/schema";
import {
  taskFieldsProblems,
  type Task,
  type TaskCreateParsed,
  type TaskListQueryParsed,
  type TaskStats,
  type TaskUpdateParsed,
} from "@taskbridge/shared/task";
import { daysBetween, nextOccurrence } from "@taskbridge/shared/recurrence";
import { sortKeyOf, type Sort, type View } from "@taskbridge/shared/task-rules";
import type { Cursor } from "../lib/cursor.ts";

export function toTask(row: TaskRow): Task {
  return {
    id: row.id,
    user_id: row.userId,
    title: row.title,
    description: row.description,
    completed: row.completed,
    priority: row.priority,
    due_date: row.dueDate,
    due_time: row.dueTime ? row.dueTime.slice(0, 5) : null,
    tags: row.tags,
    recurrence: row.recurrence,
    previous_id: row.previousId,
    remind_at: row.remindAt ? row.remindAt.toISOString() : null,
    reminded_at: row.remindedAt ? row.remindedAt.toISOString() : null,
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
export function sortValue(row: TaskRow, sort: Sort): string | null {
  switch (sortKeyOf(sort)) {
    case "created":
      return row.createdAt.toISOString();
    case "updated":
      return row.updatedAt.toISOString();
    case "due_date":
      return row.dueDate;
    case "priority":
      return row.priority;
    default:
      return row.title.toLowerCase();
  }
}

function cursorValue(key: string, value: string): SQL {
  if (key === "created" || key === "updated")
    return sql`${new Date(value).toISOString()}::timestamptz`;
  if (key === "due_date") return sql`${value}::date`;
  if (key === "priority") return sql`${value}::task_priority`;
  return sql`${value}`;
}

/**
 * Where the next page starts: a row-value comparison on (sort key, id), the same order as the
 * indexes, so PostgreSQL reads the page straight off the index however deep it is. A missing due
 * date sorts last going up and first going down, as PostgreSQL orders NULLs by default.
 */
function afterCursor(cursor: Cursor, datedOnly: boolean): SQL | undefined {
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
  // When the filters leave only dated tasks, the comparison alone bounds the index range.
  return key === "due_date" && !descending && !datedOnly
    ? or(beyond, isNull(task.dueDate))
    : beyond;
}

export interface ListOptions extends Omit<TaskListQueryParsed, "cursor" | "sort"> {
  sort: Sort;
  cursor: Cursor | undefined;
}

export type FilterOptions = Pick<TaskListQueryParsed, "q" | "priority" | "tag">;

/** The caller's date when given, else the server's UTC date. */
export function todayOr(today: string | undefined): string {
  return today ?? new Date().toISOString().slice(0, 10);
}

/** The default order of a view: by due date, so the index gives it without a sort. */
export function listSort(query: Pick<TaskListQueryParsed, "sort" | "view">): Sort {
  return query.sort ?? (query.view ? "due_date" : "-created");
}

function filterConditions(userId: string, options: FilterOptions): Array<SQL | undefined> {
  const filters: Array<SQL | undefined> = [eq(task.userId, userId)];
  if (options.priority) filters.push(eq(task.priority, options.priority));
  if (options.tag)
    filters.push(sql`task_lower_tags(${task.tags}) @> array[lower(${options.tag})]::text[]`);
  if (options.q) {
    const pattern = `%${escapeLike(options.q)}%`;
    filters.push(or(ilike(task.title, pattern), ilike(task.description, pattern)));
  }
  return filters;
}

function viewConditions(view: View, today: string): SQL[] {
  const pending = eq(task.completed, false);
  switch (view) {
    case "today":
      return [pending, lte(task.dueDate, today)];
    case "upcoming":
      return [pending, gt(task.dueDate, today)];
    default:
      return [pending, lt(task.dueDate, today)];
  }
}

export type UpdateResult =
  | { kind: "not-found" }
  | { kind: "invalid"; errors: Array<{ field: string; message: string }> }
  | { kind: "ok"; row: TaskRow; nextId: string | null };

type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];

/** Every statement names the owner: a task of someone else is simply not found. */
export class TaskRepository {
  constructor(private readonly db: Database) {}

  /** One page plus one row, so the caller knows whether another page follows. */
  async list(userId: string, options: ListOptions): Promise<TaskRow[]> {
    return this.listQuery(userId, options);
  }

  /** The list statement, unexecuted (so its plan can be inspected). */
  listQuery(userId: string, options: ListOptions) {
    const filters = filterConditions(userId, options);
    if (options.status === "pending") filters.push(eq(task.completed, false));
    if (options.status === "completed") filters.push(eq(task.completed, true));
    if (options.view) filters.push(...viewConditions(options.view, todayOr(options.today)));
    if (options.due_from) filters.push(gte(task.dueDate, options.due_from));
    if (options.due_to) filters.push(lte(task.dueDate, options.due_to));
    if (options.due === "none") filters.push(isNull(task.dueDate));
    if (options.due === "any") filters.push(isNotNull(task.dueDate));
    const datedOnly = Boolean(
      options.view || options.due_from || options.due_to || options.due === "any",
    );
    if (options.cursor) filters.push(afterCursor(options.cursor, datedOnly));

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

  /** Every count in one statement: one pass over the caller's rows of one index. */
  statsQuery(userId: string, options: FilterOptions & { today?: string | undefined }) {
    const today = todayOr(options.today);
    const pending = sql`not ${task.completed}`;
    const count = (condition: SQL) => sql<number>`(count(*) filter (where ${condition}))::int`;
    return this.db
      .select({
        all: sql<number>`count(*)::int`,
        pending: count(pending),
        completed: count(sql`${task.completed}`),
        overdue: count(sql`${pending} and ${task.dueDate} < ${today}`),
        today: count(sql`${pending} and ${task.dueDate} <= ${today}`),
        upcoming: count(sql`${pending} and ${task.dueDate} > ${today}`),
        no_due_date: count(sql`${task.dueDate} is null`),
      })
      .from(task)
      .where(and(...filterConditions(userId, options)));
  }

  async stats(userId: string, options: FilterOptions & { today?: string | undefined }) {
    const [row] = await this.statsQuery(userId, options);
    const stats: TaskStats = row ?? {
      all: 0,
      pending: 0,
      completed: 0,
      overdue: 0,
      today: 0,
      upcoming: 0,
      no_due_date: 0,
    };
    return stats;
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
        dueDate: input.due_date ?? null,
        dueTime: input.due_time ?? null,
        tags: input.tags ?? [],
        recurrence: input.recurrence ?? null,
        remindAt: input.remind_at ? new Date(input.remind_at) : null,
      })
      .returning();
    if (!row) throw new Error("insert returned no row");
    return row;
  }

  /**
   * Changes the given fields of a task under a row lock, checks the rules between fields on the
   * result, and when a recurring task becomes completed creates its next occurrence in the same
   * transaction.
   */
  async update(userId: string, id: string, input: TaskUpdateParsed): Promise<UpdateResult> {
    return this.db.transaction(async (tx) => {
      const current = await this.lock(tx, userId, id);
      if (!current) return { kind: "not-found" } as const;
      const changes: Partial<typeof task.$inferInsert> = {};
      if (input.title !== undefined) changes.title = input.title;
      if (input.description !== undefined) changes.description = input.description;
      if (input.completed !== undefined) changes.completed = input.completed;
      if (input.priority !== undefined) changes.priority = input.priority;
      if (input.due_date !== undefined) changes.dueDate = input.due_date;
      if (input.due_time !== undefined) changes.dueTime = input.due_time;
      if (input.tags !== undefined) changes.tags = input.tags;
      if (input.recurrence !== undefined) changes.recurrence = input.recurrence;
      if (input.remind_at !== undefined) {
        const remindAt = input.remind_at === null ? null : new Date(input.remind_at);
        // A new time re-arms the reminder; the same time sent back (a whole Task) does not.
        if (remindAt?.getTime() !== current.remindAt?.getTime()) {
          changes.remindAt = remindAt;
          changes.remindedAt = null;
        }
      }
      const errors = taskFieldsProblems({
        due_date: changes.dueDate === undefined ? current.dueDate : changes.dueDate,
        due_time: changes.dueTime === undefined ? current.dueTime : changes.dueTime,
        recurrence: changes.recurrence === undefined ? current.recurrence : changes.recurrence,
      });
      if (errors.length > 0) return { kind: "invalid", errors } as const;
      if (Object.keys(changes).length === 0) return { kind: "ok", row: current, nextId: null };
      return this.write(tx, current, changes);
    });
  }

  /** Flips `completed` (or sets it) under a row lock; concurrent toggles never lose one another. */
  async toggle(userId: string, id: string, completed?: boolean): Promise<UpdateResult> {
    return this.db.transaction(async (tx) => {
      const current = await this.lock(tx, userId, id);
      if (!current) return { kind: "not-found" } as const;
      return this.write(tx, current, { completed: completed ?? !current.completed });
    });
  }

  private async lock(tx: Transaction, userId: string, id: string): Promise<TaskRow | null> {
    const [row] = await tx
      .select()
      .from(task)
      .where(and(eq(task.id, id), eq(task.userId, userId)))
      .for("update");
    return row ?? null;
  }

  private async write(
    tx: Transaction,
    current: TaskRow,
    changes: Partial<typeof task.$inferInsert>,
  ): Promise<UpdateResult> {
    const [row] = await tx
      .update(task)
      .set({ ...changes, updatedAt: sql`clock_timestamp()` })
      .where(and(eq(task.id, current.id), eq(task.userId, current.userId)))
      .returning();
    if (!row) return { kind: "not-found" };
    const nextId = !current.completed && row.completed ? await this.spawnNext(tx, row) : null;
    return { kind: "ok", row, nextId };
  }

  /**
   * The next occurrence of a recurring task that was just completed, or the one made before if
   * it was completed already once: `previous_id` is unique, so there is never a second.
   */
  private async spawnNext(tx: Transaction, done: TaskRow): Promise<string | null> {
    if (!done.recurrence || !done.dueDate) return null;
    const occurrence = /(^|;)COUNT=/.test(done.recurrence)
      ? await this.seriesPosition(tx, done)
      : 1;
    const dueDate = nextOccurrence(done.recurrence, done.dueDate, occurrence);
    if (!dueDate) return null;
    const shift = daysBetween(done.dueDate, dueDate) * 86_400_000;
    const [inserted] = await tx
      .insert(task)
      .values({
        id: uuidv7(),
        userId: done.userId,
        title: done.title,
        description: done.description,
        priority: done.priority,
        tags: done.tags,
        dueDate,
        dueTime: done.dueTime,
        recurrence: done.recurrence,
        previousId: done.id,
        remindAt: done.remindAt ? new Date(done.remindAt.getTime() + shift) : null,
      })
      .onConflictDoNothing({ target: task.previousId })
      .returning({ id: task.id });
    if (inserted) return inserted.id;
    const [existing] = await tx
      .select({ id: task.id })
      .from(task)
      .where(and(eq(task.previousId, done.id), eq(task.userId, done.userId)));
    return existing?.id ?? null;
  }

  /** 1 for the first task of a series, 2 for the one spawned from it, and so on. */
  private async seriesPosition(tx: Transaction, done: TaskRow): Promise<number> {
    const result = await tx.execute<{ n: number }>(sql`
      with recursive chain(id, previous_id, n) as (
        select ${task.id}, ${task.previousId}, 1 from ${task}
        where ${task.id} = ${done.id} and ${task.userId} = ${done.userId}
        union all
        select t.id, t.previous_id, c.n + 1 from task t join chain c on t.id = c.previous_id
        where t.user_id = ${done.userId} and c.n <= 1000
      )
      select max(n)::int as n from chain`);
    return result.rows[0]?.n ?? 1;
  }

  async remove(userId: string, id: string): Promise<boolean> {
    const rows = await this.db
      .delete(task)
      .where(and(eq(task.id, id), eq(task.userId, userId)))
      .returning({ id: task.id });
    return rows.length > 0;
  }
}
