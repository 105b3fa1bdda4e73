import { and, eq, ilike, isNotNull, isNull, or, sql, type SQL } from "drizzle-orm";
import { createHash } from "node:crypto";
import { PgDialect } from "drizzle-orm/pg-core";
import { v7 as uuidv7 } from "uuid";
import type { Database } from "@taskbridge/db/client";
import { list, listMember, task, type TaskRow } from "@taskbridge/db/schema";
import {
  taskFieldsProblems,
  type Task,
  type TaskCreateParsed,
  type TaskListQueryParsed,
  type TaskStats,
  type TaskStatsQuery,
  type TaskUpdateParsed,
} from "@taskbridge/shared/task";
import { SUBTASK_LEVELS } from "@taskbridge/shared/task-rules";
import { daysBetween, nextOccurrence } from "@taskbridge/shared/recurrence";
import { sortKeyOf, type Sort, type View } from "@taskbridge/shared/task-rules";
import type { Cursor } from "../lib/cursor.ts";
import { listIdsOf, lockLists, membershipOf, type Membership, type Transaction } from "./access.ts";
import type { ListIdsCache } from "../live/list-ids.ts";
import { taskColumns, taskFromRow, TaskStatements } from "./task-statements.ts";

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

/**
 * Whether a list is in a view's order: by due date, then by due time with the tasks without one
 * (all-day) first, as a calendar shows a day, then by id. A view's own order, or `sort=due_date`
 * (either way) given with a view; reversed, all-day tasks come last in each day.
 */
export function ordersByTime(options: { view?: View | undefined; sort: Sort }): boolean {
  return options.view !== undefined && sortKeyOf(options.sort) === "due_date";
}

/**
 * The value a cursor keeps for a task under a sort key; in a view's order, a task's due time
 * follows its date (`2026-03-10T09:30`).
 */
export function sortValue(task: Task, sort: Sort, byTime = false): string | null {
  switch (sortKeyOf(sort)) {
    case "created":
      return task.created_at;
    case "updated":
      return task.updated_at;
    case "due_date":
      return byTime && task.due_date !== null && task.due_time !== null
        ? `${task.due_date}T${task.due_time}`
        : task.due_date;
    case "priority":
      return task.priority;
    default:
      return task.title.toLowerCase();
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
function afterCursor(cursor: Cursor, datedOnly: boolean, byTime: boolean): SQL | undefined {
  const descending = cursor.sort.startsWith("-");
  const key = sortKeyOf(cursor.sort);
  const column = sortColumns[key];
  const id = sql`${cursor.id}::uuid`;
  if (byTime && key === "due_date" && cursor.value !== null)
    return afterInDayOrder(cursor.value, id, descending);
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

/**
 * Where the next page of a view starts, in its order (due date, due time with all-day tasks
 * first, id): past the cursor's day, or later in that day. The date bounds the index range; the
 * rest only filters the cursor's own day. `value` is a date, or a date and a time (`T09:30`).
 */
function afterInDayOrder(value: string, id: SQL, descending: boolean): SQL | undefined {
  const day = sql`${value.slice(0, 10)}::date`;
  const time = value.length > 10 ? sql`${value.slice(11)}::time` : undefined;
  const dueTime = task.dueTime;
  if (!descending) {
    const laterThatDay =
      time === undefined
        ? or(isNotNull(dueTime), and(isNull(dueTime), sql`${task.id} > ${id}`))
        : or(sql`${dueTime} > ${time}`, and(sql`${dueTime} = ${time}`, sql`${task.id} > ${id}`));
    return and(sql`${task.dueDate} >= ${day}`, or(sql`${task.dueDate} > ${day}`, laterThatDay));
  }
  const earlierThatDay =
    time === undefined
      ? and(isNull(dueTime), sql`${task.id} < ${id}`)
      : or(
          isNull(dueTime),
          sql`${dueTime} < ${time}`,
          and(sql`${dueTime} = ${time}`, sql`${task.id} < ${id}`),
        );
  return and(sql`${task.dueDate} <= ${day}`, or(sql`${task.dueDate} < ${day}`, earlierThatDay));
}

export interface ListOptions extends Omit<TaskListQueryParsed, "cursor" | "sort"> {
  sort: Sort;
  cursor: Cursor | undefined;
}

export type FilterOptions = Pick<TaskListQueryParsed, "q" | "priority" | "tag">;
type ScopeOptions = Pick<TaskListQueryParsed, "list" | "parent" | "assignee">;

/** The caller's date when given, else the server's UTC date. */
export function todayOr(today: string | undefined): string {
  return today ?? new Date().toISOString().slice(0, 10);
}

/** The default order of a view: by due date, so the index gives it without a sort. */
export function listSort(query: Pick<TaskListQueryParsed, "sort" | "view">): Sort {
  return query.sort ?? (query.view ? "due_date" : "-created");
}

function filterConditions(
  userId: string,
  options: FilterOptions & Omit<ScopeOptions, "list">,
): Array<SQL | undefined> {
  const filters: Array<SQL | undefined> = [];
  if (options.priority) filters.push(eq(task.priority, options.priority));
  if (options.tag)
    filters.push(sql`task_lower_tags(${task.tags}) @> array[lower(${options.tag})]::text[]`);
  if (options.q) {
    const pattern = `%${escapeLike(options.q)}%`;
    filters.push(or(ilike(task.title, pattern), ilike(task.description, pattern)));
  }
  if (options.parent === "none") filters.push(isNull(task.parentId));
  else if (options.parent) filters.push(eq(task.parentId, options.parent));
  if (options.assignee === "none") filters.push(isNull(task.assigneeId));
  else if (options.assignee === "me") filters.push(eq(task.assigneeId, userId));
  else if (options.assignee) filters.push(eq(task.assigneeId, options.assignee));
  return filters;
}

/**
 * Whether a list request is the default page: newest first, every task of every list of the
 * caller's, no filter, the first page. It runs as a prepared statement, and the route keeps what
 * it sent (lib/page-cache.ts).
 */
export function isDefaultPage(options: ListOptions): boolean {
  return (
    options.sort === "-created" &&
    options.status === "all" &&
    options.cursor === undefined &&
    options.view === undefined &&
    options.q === undefined &&
    options.priority === undefined &&
    options.tag === undefined &&
    options.due_from === undefined &&
    options.due_to === undefined &&
    options.due === undefined &&
    options.list === undefined &&
    options.parent === undefined &&
    options.assignee === undefined
  );
}

/** Up to this many lists, a page is a merge of one ordered branch per list (see listQuery). */
const MERGED_LISTS_MAX = 16;
/** Shapes of list statements that run prepared, per process (see TaskRepository.run). */
const PREPARED_SHAPES_MAX = 256;
const preparedShapes = new Set<string>();
const dialect = new PgDialect();

/** The prepared statement name of a list statement's text, while the process names more. */
function preparedName(text: string): string | undefined {
  const name = `task_list_${createHash("sha256").update(text).digest("hex").slice(0, 24)}`;
  if (preparedShapes.has(name)) return name;
  if (preparedShapes.size >= PREPARED_SHAPES_MAX) return undefined;
  preparedShapes.add(name);
  return name;
}

/** The views and the counts leave out what is assigned to someone else. */
const notAssignedToOthers = (userId: string) =>
  or(isNull(task.assigneeId), eq(task.assigneeId, userId));

function viewConditions(view: View, today: string): SQL[] {
  const pending = eq(task.completed, false);
  switch (view) {
    case "today":
      return [pending, sql`${task.dueDate} <= ${today}`];
    case "upcoming":
      return [pending, sql`${task.dueDate} > ${today}`];
    default:
      return [pending, sql`${task.dueDate} < ${today}`];
  }
}

/** Why a write changed nothing, or what it made. */
export type WriteResult =
  | { kind: "not-found"; what: "Task" | "List" }
  | { kind: "forbidden"; detail: string }
  | { kind: "conflict"; detail: string }
  | { kind: "invalid"; errors: Array<{ field: string; message: string }> }
  | { kind: "ok"; task: Task; nextId: string | null };

export const VIEW_ONLY = "You can view this list but not change it";
export const ARCHIVED = "This list is archived: its tasks cannot be changed";

/** Why `membership` does not allow a write, or null when it does. */
export function refuseWrite(
  membership: Pick<Membership, "role" | "archived">,
): Exclude<WriteResult, { kind: "ok" }> | null {
  if (membership.role === "viewer") return { kind: "forbidden", detail: VIEW_ONLY };
  if (membership.archived) return { kind: "conflict", detail: ARCHIVED };
  return null;
}

const invalid = (field: string, message: string): Exclude<WriteResult, { kind: "ok" }> => ({
  kind: "invalid",
  errors: [{ field, message }],
});

const FOREIGN_KEY_VIOLATION = "23503";
const DEADLOCK_DETECTED = "40P01";
function hasCode(error: unknown, code: string): boolean {
  if (typeof error !== "object" || error === null) return false;
  if ("code" in error && error.code === code) return true;
  return "cause" in error && hasCode(error.cause, code);
}

/**
 * The tasks of every list a caller belongs to, and nothing else: each method takes the caller
 * and goes through the access rule of task-statements.ts / access.ts (membership, role,
 * archived). A task of a list the caller is not in is simply not found.
 */
export class TaskRepository {
  private readonly statements: TaskStatements;

  constructor(
    private readonly db: Database,
    /** This process's cache of callers' list ids, when it has one (see live/list-ids.ts). */
    private readonly listIdCache?: ListIdsCache,
  ) {
    this.statements = new TaskStatements(db.$client);
  }

  /** The ids of the caller's lists: from this process's cache when it is current. */
  private async listIds(userId: string): Promise<readonly string[]> {
    const cached = this.listIdCache?.get(userId);
    if (cached) return cached;
    const ids = await listIdsOf(this.db, userId);
    this.listIdCache?.set(userId, ids);
    return ids;
  }

  /**
   * One page plus one row, as the API writes tasks. The default list (newest first, no filter,
   * first page) is a prepared statement; any other shape is built for the call. A `list` the
   * caller is not in is null (the route answers 404, as for a list that does not exist).
   */
  async page(userId: string, options: ListOptions): Promise<Task[] | null> {
    const plain = isDefaultPage(options);
    if (plain) {
      // Most people are in one list: a range of its index, without merging lists. Without a
      // current cache the one statement that merges every list saves a round trip.
      const cached = this.listIdCache?.isLive ? await this.listIds(userId) : undefined;
      const [only, ...more] = cached ?? [];
      if (only !== undefined && more.length === 0)
        return this.statements.listNewestOfList(userId, only, options.limit + 1);
      return this.statements.listNewest(userId, options.limit + 1);
    }
    const query = await this.listQuery(userId, options);
    if (!query) return null;
    return this.run(query);
  }

  /**
   * Runs a list statement. Its text depends only on the query's shape (which filters, which
   * order, how many lists; every value is a parameter), so it runs as a named prepared
   * statement: each connection plans a shape a few times, then keeps PostgreSQL's generic plan.
   * At most PREPARED_SHAPES_MAX shapes are named per process, so no run of odd queries makes the
   * server keep plans without end; any other shape is planned for its call.
   */
  private async run(query: SQL): Promise<Task[]> {
    const { sql: text, params } = dialect.sqlToQuery(query);
    const name = preparedName(text);
    const { rows } = await this.db.$client.query({
      ...(name === undefined ? {} : { name }),
      text,
      values: params,
      rowMode: "array",
    });
    return rows.map(taskFromRow);
  }

  /** The list the `list` parameter names, if the caller is in it; undefined without one. */
  private async scopedList(userId: string, name: string | undefined) {
    if (name === undefined) return undefined;
    if (name === "inbox") return (await this.inboxOf(userId)) ?? null;
    const membership = await membershipOf(this.db, userId, name);
    return membership ? membership.listId : null;
  }

  /** The caller's Inbox (made with the account). */
  async inboxOf(userId: string, db: Database | Transaction = this.db): Promise<string | null> {
    const [row] = await db
      .select({ id: list.id })
      .from(list)
      .where(and(eq(list.ownerId, userId), eq(list.isInbox, true)));
    return row?.id ?? null;
  }

  /**
   * The list statement, unexecuted (so its plan can be inspected); null when `list` names a list
   * the caller is not in. One list (most people have only their Inbox, or ask for one list): a
   * range of that list's index, in order, no sort. A few lists: one branch per list, each a range
   * of its index read for the ids and sort keys of at most a page, merged in order (a Merge
   * Append, no sort); the page's rows are then read whole. Planning a branch per list on every
   * request would cost more than the reading (at 11 lists, 300 against 5,400 statements a second),
   * so these run as prepared statements whose generic plan PostgreSQL keeps (see `run`). Many
   * lists: each gives at most a page through a lateral join over the caller's memberships, and
   * those few ids are sorted: bounded by lists and page, never by the number of tasks.
   */
  async listQuery(userId: string, options: ListOptions): Promise<SQL | null> {
    const listId = await this.scopedList(userId, options.list);
    if (listId === null) return null;
    const filters = filterConditions(userId, options);
    if (options.status === "pending") filters.push(eq(task.completed, false));
    if (options.status === "completed") filters.push(eq(task.completed, true));
    if (options.view) {
      filters.push(...viewConditions(options.view, todayOr(options.today)));
      filters.push(notAssignedToOthers(userId));
    }
    if (options.due_from) filters.push(sql`${task.dueDate} >= ${options.due_from}`);
    if (options.due_to) filters.push(sql`${task.dueDate} <= ${options.due_to}`);
    if (options.due === "none") filters.push(isNull(task.dueDate));
    if (options.due === "any") filters.push(isNotNull(task.dueDate));
    const datedOnly = Boolean(
      options.view || options.due_from || options.due_to || options.due === "any",
    );
    const byTime = ordersByTime(options);
    if (options.cursor) filters.push(afterCursor(options.cursor, datedOnly, byTime));

    const dir = options.sort.startsWith("-") ? "desc" : "asc";
    const direction = sql.raw(dir);
    const key = sortKeyOf(options.sort);
    const limit = options.limit + 1;
    const where = and(...filters) ?? sql`true`;
    // A view's day: all-day tasks first going up (last going down), as the index keeps them.
    const nulls = dir === "asc" ? "nulls first" : "nulls last";
    const order = byTime
      ? sql`${sortColumns[key]} ${direction}, ${task.dueTime} ${direction} ${sql.raw(nulls)}, ${task.id} ${direction}`
      : sql`${sortColumns[key]} ${direction}, ${task.id} ${direction}`;
    // Each page carries its sort key as a column (and a view's time), so the merge orders by
    // what the index gave.
    const sortKey = byTime
      ? sql`${sortColumns[key]} as sort_key, ${task.dueTime} as sort_time`
      : sql`${sortColumns[key]} as sort_key`;
    const pageOrder = (alias: string) =>
      sql.raw(
        byTime
          ? `${alias}.sort_key ${dir}, ${alias}.sort_time ${dir} ${nulls}, ${alias}.id ${dir}`
          : `${alias}.sort_key ${dir}, ${alias}.id ${dir}`,
      );
    const pageColumns = (alias: string) =>
      sql.raw(
        byTime
          ? `${alias}.id, ${alias}.sort_key, ${alias}.sort_time`
          : `${alias}.id, ${alias}.sort_key`,
      );
    const outerOrder = pageOrder("t");
    const lists = listId === undefined ? await this.listIds(userId) : [listId];
    const [only, ...more] = lists;
    if (only !== undefined && more.length === 0) {
      // The membership is checked in the statement too (a one-time filter).
      return sql`select ${sql.raw(taskColumns("t"))} from (
          select *, ${sortKey} from ${task} where ${task.listId} = ${only} and ${where}
          and exists (select 1 from ${listMember} m where m.list_id = ${only} and m.user_id = ${userId})
          order by ${order} limit ${limit}
        ) t order by ${outerOrder}`;
    }
    // Only each candidate's id and sort key travel through the merge; the page's rows are read
    // whole at the end.
    if (lists.length <= MERGED_LISTS_MAX) {
      const branches = lists.map(
        (id) => sql`(select ${task.id}, ${sortKey} from ${task}
          where ${task.listId} = ${id} and ${where}
          and exists (select 1 from ${listMember} m where m.list_id = ${id} and m.user_id = ${userId})
          order by ${order} limit ${limit})`,
      );
      return sql`select ${sql.raw(taskColumns("t"))} from (
          select ${pageColumns("page")} from (${sql.join(branches, sql` union all `)}) page
          order by ${pageOrder("page")} limit ${limit}
        ) page join ${task} t on t.id = page.id
        order by ${pageOrder("page")}`;
    }
    return sql`select ${sql.raw(taskColumns("t"))} from (
        select ${pageColumns("x")} from ${listMember} m
        cross join lateral (
          select ${task.id}, ${sortKey} from ${task} where ${task.listId} = m.list_id and ${where}
          order by ${order} limit ${limit}
        ) x
        where m.user_id = ${userId}
        order by ${pageOrder("x")} limit ${limit}
      ) page join ${task} t on t.id = page.id
      order by ${pageOrder("page")}`;
  }

  /** Every count in one statement over the caller's lists; null for a `list` they are not in. */
  async statsQuery(
    userId: string,
    options: FilterOptions & ScopeOptions & { today?: string | undefined },
  ): Promise<SQL | null> {
    const listId = await this.scopedList(userId, options.list);
    if (listId === null) return null;
    const today = todayOr(options.today);
    const pending = sql`not ${task.completed}`;
    const count = (condition: SQL) => sql`count(*) filter (where ${condition})`;
    const filters = [...filterConditions(userId, options), notAssignedToOthers(userId)];
    // One aggregate per list the caller is in, each over a range of that list's index, summed.
    return sql`select coalesce(sum(c.n_all), 0)::int as "all",
        coalesce(sum(c.n_pending), 0)::int as pending,
        coalesce(sum(c.n_completed), 0)::int as completed,
        coalesce(sum(c.n_overdue), 0)::int as overdue,
        coalesce(sum(c.n_today), 0)::int as today,
        coalesce(sum(c.n_upcoming), 0)::int as upcoming,
        coalesce(sum(c.n_no_due_date), 0)::int as no_due_date
      from ${listMember} m cross join lateral (
        select count(*) as n_all,
          ${count(pending)} as n_pending,
          ${count(sql`${task.completed}`)} as n_completed,
          ${count(sql`${pending} and ${task.dueDate} < ${today}`)} as n_overdue,
          ${count(sql`${pending} and ${task.dueDate} <= ${today}`)} as n_today,
          ${count(sql`${pending} and ${task.dueDate} > ${today}`)} as n_upcoming,
          ${count(sql`${task.dueDate} is null`)} as n_no_due_date
        from ${task} where ${task.listId} = m.list_id and ${and(...filters) ?? sql`true`}
      ) c
      where m.user_id = ${userId} ${listId === undefined ? sql`` : sql`and m.list_id = ${listId}`}`;
  }

  async stats(
    userId: string,
    options: Omit<TaskStatsQuery, "limit"> & FilterOptions,
  ): Promise<TaskStats | null> {
    const query = await this.statsQuery(userId, options);
    if (!query) return null;
    // An aggregate without GROUP BY answers one row, of zeros when nothing is counted.
    const [row] = (await this.db.execute<TaskStats>(query)).rows;
    if (!row) throw new Error("the counts statement answered no row");
    return row;
  }

  /** One task the caller can read, as the API writes it. */
  findTask(userId: string, id: string): Promise<Task | null> {
    return this.statements.find(userId, id);
  }

  /** A task as the API writes it, read inside a transaction that already checked access. */
  private async read(tx: Transaction, id: string): Promise<Task> {
    const { rows } = await tx.execute(
      sql`select ${sql.raw(taskColumns("t"))} from ${task} t where t.id = ${id}`,
    );
    return taskFromRow(rows[0]);
  }

  /**
   * A task in the caller's Inbox, by default; in `list_id`, or under `parent_id` (and in its
   * list), when given, which needs write on that list.
   */
  async create(userId: string, input: TaskCreateParsed): Promise<WriteResult> {
    const id = uuidv7();
    const fields = {
      id,
      userId,
      title: input.title,
      description: input.description ?? null,
      completed: input.completed ?? false,
      priority: input.priority ?? "medium",
      dueDate: input.due_date ?? null,
      dueTime: input.due_time ?? null,
      tags: input.tags ?? [],
      recurrence: input.recurrence ?? null,
      remindAt: input.remind_at ?? null,
    };
    const inInbox =
      input.list_id === undefined &&
      (input.parent_id === undefined || input.parent_id === null) &&
      (input.assignee_id === undefined || input.assignee_id === null);
    if (inInbox) {
      return { kind: "ok", task: await this.statements.createInInbox(fields), nextId: null };
    }
    return this.transaction(async (tx) => {
      let listId = input.list_id;
      const parentId = input.parent_id ?? null;
      if (parentId !== null) {
        const parent = await this.visible(tx, userId, parentId);
        if (!parent) return invalid("parent_id", "No such task");
        if (listId !== undefined && listId !== parent.listId)
          return invalid("parent_id", "The parent must be in the same list as the task");
        listId = parent.listId;
      }
      if (listId === undefined) listId = (await this.inboxOf(userId, tx)) ?? undefined;
      if (listId === undefined) return { kind: "not-found", what: "List" } as const;
      const membership = await membershipOf(tx, userId, listId);
      if (!membership) return { kind: "not-found", what: "List" } as const;
      const refused = refuseWrite(membership);
      if (refused) return refused;
      if (parentId !== null) {
        await lockLists(tx, [listId]);
        const depth = await this.depthOf(tx, parentId);
        if (depth.depth + 1 > SUBTASK_LEVELS + 1) return tooDeep();
      }
      if (input.assignee_id && !(await membershipOf(tx, input.assignee_id, listId)))
        return invalid("assignee_id", "The assignee must be a member of the task's list");
      await tx.insert(task).values({
        ...fields,
        remindAt: fields.remindAt === null ? null : new Date(fields.remindAt),
        listId,
        parentId,
        assigneeId: input.assignee_id ?? null,
        createdBy: userId,
      });
      return { kind: "ok", task: await this.read(tx, id), nextId: null } as const;
    });
  }

  /** A task the caller can read (its list and parent), for checks inside a transaction. */
  private async visible(tx: Transaction, userId: string, id: string) {
    const [row] = await tx
      .select({ id: task.id, listId: task.listId, parentId: task.parentId })
      .from(task)
      .innerJoin(listMember, and(eq(listMember.listId, task.listId), eq(listMember.userId, userId)))
      .where(eq(task.id, id));
    return row ?? null;
  }

  /** How many levels a task is down (1 for a top task), and its ancestors with itself. */
  private async depthOf(tx: Transaction, id: string): Promise<{ depth: number; chain: string[] }> {
    const { rows } = await tx.execute<{ id: string }>(sql`
      with recursive up(id, parent_id, n) as (
        select id, parent_id, 1 from task where id = ${id}
        union all
        select t.id, t.parent_id, up.n + 1 from task t join up on t.id = up.parent_id
        where up.n < 10
      )
      select id from up order by n`);
    return { depth: rows.length, chain: rows.map((row) => row.id) };
  }

  /** How many levels a task's subtree spans (1 for a task without subtasks). */
  private async heightOf(tx: Transaction, id: string): Promise<number> {
    const { rows } = await tx.execute<{ n: number }>(sql`
      with recursive down(id, n) as (
        select id, 1 from task where id = ${id}
        union all
        select t.id, down.n + 1 from task t join down on t.parent_id = down.id where down.n < 10
      )
      select max(n)::int as n from down`);
    return rows[0]?.n ?? 1;
  }

  /**
   * Changes the given fields of a task under a row lock, checks the rules between fields on the
   * result, and when a recurring task becomes completed creates its next occurrence in the same
   * transaction. A new `list_id` moves the task and its subtasks; a new `parent_id` is checked
   * for depth and cycles with the lists' re-parenting lock held.
   */
  async update(userId: string, id: string, input: TaskUpdateParsed): Promise<WriteResult> {
    try {
      return await this.transaction(async (tx) => {
        if (input.completed === true) await this.lockSubtasks(tx, userId, id);
        // A change of list or parent takes the lists' re-parenting locks before the row lock, as
        // every such change does: the other order deadlocks two moves that cross (each would hold
        // its row and wait for the lock the other holds, through the foreign key check).
        const reparenting = input.list_id !== undefined || input.parent_id !== undefined;
        const seen = reparenting ? await this.visible(tx, userId, id) : null;
        if (reparenting && !seen) return { kind: "not-found", what: "Task" } as const;
        if (seen) await lockLists(tx, [seen.listId, input.list_id ?? seen.listId]);
        const locked = await this.lock(tx, userId, id);
        if (!locked) return { kind: "not-found", what: "Task" } as const;
        const { row: current } = locked;
        // Moved by someone else in between: its list's lock is taken now.
        if (seen && seen.listId !== current.listId) await lockLists(tx, [current.listId]);
        const refused = refuseWrite(locked);
        if (refused) return refused;
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

        const targetList = input.list_id ?? current.listId;
        const moving = targetList !== current.listId;
        if (moving) {
          const target = await membershipOf(tx, userId, targetList);
          if (!target) return { kind: "not-found", what: "List" } as const;
          const refusedTarget = refuseWrite(target);
          if (refusedTarget) return refusedTarget;
          changes.listId = targetList;
          // A subtask moved alone leaves its parent, unless it is given one in the new list.
          if (input.parent_id === undefined) changes.parentId = null;
        }
        if (input.parent_id !== undefined && input.parent_id !== current.parentId) {
          changes.parentId = input.parent_id;
        }
        if (changes.parentId) {
          const problem = await this.parentProblem(tx, userId, id, changes.parentId, targetList);
          if (problem) return problem;
        }
        if (input.assignee_id !== undefined && input.assignee_id !== current.assigneeId) {
          if (
            input.assignee_id !== null &&
            !(await membershipOf(tx, input.assignee_id, targetList))
          )
            return invalid("assignee_id", "The assignee must be a member of the task's list");
          changes.assigneeId = input.assignee_id;
        }
        if (moving) {
          // Assignees who are not members of the new list are unassigned, subtasks included.
          await tx.execute(sql`
            with recursive subtree(id) as (
              select id from task where id = ${id}
              union all
              select t.id from task t join subtree on t.parent_id = subtree.id
            )
            update task set assignee_id = null
            where id in (select id from subtree) and assignee_id is not null
              and not exists (select 1 from list_member m
                where m.list_id = ${targetList} and m.user_id = task.assignee_id)`);
          if (changes.assigneeId === undefined && current.assigneeId !== null) {
            const stays = await membershipOf(tx, current.assigneeId, targetList);
            if (!stays) changes.assigneeId = null;
          }
        }
        if (Object.keys(changes).length === 0)
          return { kind: "ok", task: await this.read(tx, id), nextId: null } as const;
        return this.write(tx, current, changes);
      });
    } catch (error) {
      // An assignee who left the list between the check and the write.
      if (hasCode(error, FOREIGN_KEY_VIOLATION))
        return invalid("assignee_id", "The assignee must be a member of the task's list");
      throw error;
    }
  }

  /** Why `parentId` cannot be the parent of task `id` in list `listId`, or null. */
  private async parentProblem(
    tx: Transaction,
    userId: string,
    id: string,
    parentId: string,
    listId: string,
  ): Promise<WriteResult | null> {
    if (parentId === id) return invalid("parent_id", "A task cannot be its own parent");
    const parent = await this.visible(tx, userId, parentId);
    if (!parent) return invalid("parent_id", "No such task");
    if (parent.listId !== listId)
      return invalid("parent_id", "The parent must be in the same list as the task");
    const { depth, chain } = await this.depthOf(tx, parentId);
    if (chain.includes(id))
      return invalid("parent_id", "A task cannot be a subtask of one of its own subtasks");
    if (depth + (await this.heightOf(tx, id)) > SUBTASK_LEVELS + 1) return tooDeep();
    return null;
  }

  /**
   * Flips `completed` (or sets it) under a row lock; concurrent toggles never lose one another.
   * A task that neither recurs nor has subtasks is toggled by one prepared statement; any other
   * (and any refusal) takes the transaction that also completes its subtasks and creates the
   * next occurrence.
   */
  async toggle(userId: string, id: string, completed?: boolean): Promise<WriteResult> {
    const simple = await this.statements.toggleSimple(userId, id, completed);
    if (simple) return { kind: "ok", task: simple, nextId: null };
    return this.transaction(async (tx) => {
      if (completed !== false) await this.lockSubtasks(tx, userId, id);
      const locked = await this.lock(tx, userId, id);
      if (!locked) return { kind: "not-found", what: "Task" } as const;
      const refused = refuseWrite(locked);
      if (refused) return refused;
      return this.write(tx, locked.row, { completed: completed ?? !locked.row.completed });
    });
  }

  /**
   * Locks a task's subtasks, deepest first, before the task itself is locked: a subtask's change
   * updates its parent's counts after its own row (the trigger task_subtask_counts), so locks
   * always go from a subtask to its parent, and completing a task with its subtasks never waits
   * in the other order for a subtask being ticked at the same moment.
   */
  private async lockSubtasks(tx: Transaction, userId: string, id: string): Promise<void> {
    await tx.execute(sql`
      with recursive subtree(id, n) as (
        select t.id, 1 from task t where t.parent_id = ${id}
          and exists (select 1 from list_member m where m.list_id = t.list_id and m.user_id = ${userId})
        union all
        select t.id, s.n + 1 from task t join subtree s on t.parent_id = s.id where s.n < 10
      )
      select t.id from task t join subtree s on s.id = t.id
      order by s.n desc, t.id
      for no key update of t`);
  }

  /**
   * A transaction, run again once if PostgreSQL ended it to break a deadlock: two changes that
   * cascade through a tree in opposite directions (deleting or moving a task while its subtask is
   * ticked) can still meet, and the second try sees what the first one left.
   */
  private async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction(work);
    } catch (error) {
      if (!hasCode(error, DEADLOCK_DETECTED)) throw error;
      return this.db.transaction(work);
    }
  }

  /** The task under a row lock, with the caller's role in its list; null when they are not in it. */
  private async lock(
    tx: Transaction,
    userId: string,
    id: string,
  ): Promise<{ row: TaskRow; role: Membership["role"]; archived: boolean } | null> {
    const [row] = await tx
      .select({ row: task, role: listMember.role, archived: list.archived })
      .from(task)
      .innerJoin(listMember, and(eq(listMember.listId, task.listId), eq(listMember.userId, userId)))
      .innerJoin(list, eq(list.id, task.listId))
      .where(eq(task.id, id))
      .for("update", { of: task });
    return row ?? null;
  }

  private async write(
    tx: Transaction,
    current: TaskRow,
    changes: Partial<typeof task.$inferInsert>,
  ): Promise<WriteResult> {
    await tx
      .update(task)
      .set({ ...changes, updatedAt: sql`clock_timestamp()` })
      .where(eq(task.id, current.id));
    const becameCompleted = !current.completed && changes.completed === true;
    if (becameCompleted) await this.completeSubtasks(tx, current.id);
    const nextId = becameCompleted ? await this.spawnNext(tx, current.id) : null;
    return { kind: "ok", task: await this.read(tx, current.id), nextId };
  }

  /** Completing a task completes its open subtasks, at every level (reopening it does not). */
  private async completeSubtasks(tx: Transaction, id: string): Promise<void> {
    await tx.execute(sql`
      with recursive subtree(id) as (
        select id from task where parent_id = ${id}
        union all
        select t.id from task t join subtree on t.parent_id = subtree.id
      )
      update task set completed = true, updated_at = clock_timestamp()
      where id in (select id from subtree) and not completed`);
  }

  /**
   * The next occurrence of a recurring task that was just completed, or the one made before if
   * it was completed already once: `previous_id` is unique, so there is never a second. A new
   * occurrence gets fresh, open copies of the subtasks of the one completed.
   */
  private async spawnNext(tx: Transaction, id: string): Promise<string | null> {
    const [done] = await tx.select().from(task).where(eq(task.id, id));
    if (!done?.recurrence || !done.dueDate) return null;
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
        listId: done.listId,
        parentId: done.parentId,
        assigneeId: done.assigneeId,
        createdBy: done.createdBy,
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
    if (inserted) {
      await this.copySubtasks(tx, done.id, inserted.id, shift / 86_400_000);
      return inserted.id;
    }
    const [existing] = await tx
      .select({ id: task.id })
      .from(task)
      .where(eq(task.previousId, done.id));
    return existing?.id ?? null;
  }

  /** Open copies of `fromId`'s subtasks (every level) under `toId`, due dates moved by `days`. */
  private async copySubtasks(
    tx: Transaction,
    fromId: string,
    toId: string,
    days: number,
  ): Promise<void> {
    const subtasks = await tx.execute<{ id: string; parent_id: string }>(sql`
      with recursive subtree(id, parent_id, n) as (
        select id, parent_id, 1 from task where parent_id = ${fromId}
        union all
        select t.id, t.parent_id, s.n + 1 from task t join subtree s on t.parent_id = s.id
        where s.n < 10
      )
      select id, parent_id from subtree order by n, id`);
    const copies = new Map<string, string>([[fromId, toId]]);
    for (const { id, parent_id } of subtasks.rows) {
      const parent = copies.get(parent_id);
      if (!parent) continue;
      const copy = uuidv7();
      copies.set(id, copy);
      await tx.execute(sql`
        insert into task (id, list_id, parent_id, assignee_id, created_by, title, description,
          priority, tags, due_date, due_time, recurrence, remind_at)
        select ${copy}, list_id, ${parent}, assignee_id, created_by, title, description, priority,
          tags, due_date + ${days}::int, due_time, recurrence,
          remind_at + ${days}::int * interval '1 day'
        from task where id = ${id}`);
    }
  }

  /** 1 for the first task of a series, 2 for the one spawned from it, and so on. */
  private async seriesPosition(tx: Transaction, done: TaskRow): Promise<number> {
    const result = await tx.execute<{ n: number }>(sql`
      with recursive chain(id, previous_id, n) as (
        select ${task.id}, ${task.previousId}, 1 from ${task}
        where ${task.id} = ${done.id}
        union all
        select t.id, t.previous_id, c.n + 1 from task t join chain c on t.id = c.previous_id
        where c.n <= 1000
      )
      select max(n)::int as n from chain`);
    return result.rows[0]?.n ?? 1;
  }

  /** Deletes a task and its subtasks (task_parent_fk cascades), if the caller may. */
  async remove(
    userId: string,
    id: string,
  ): Promise<Exclude<WriteResult, { kind: "ok" }> | { kind: "deleted" }> {
    return this.transaction(async (tx) => {
      const locked = await this.lock(tx, userId, id);
      if (!locked) return { kind: "not-found", what: "Task" } as const;
      const refused = refuseWrite(locked);
      if (refused) return refused;
      await tx.delete(task).where(eq(task.id, id));
      return { kind: "deleted" } as const;
    });
  }
}

function tooDeep(): Exclude<WriteResult, { kind: "ok" }> {
  return invalid(
    "parent_id",
    `Subtasks nest at most ${SUBTASK_LEVELS + 1} levels deep (a task and ${SUBTASK_LEVELS} below it)`,
  );
}

/** Whether `error` is a foreign key violation: the row the write named is gone. */
export function isForeignKeyViolation(error: unknown): boolean {
  return hasCode(error, FOREIGN_KEY_VIOLATION);
}
