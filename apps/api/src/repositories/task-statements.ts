import pg from "pg";
import { PRIORITIES, type Task } from "@taskbridge/shared/task";

/**
 * The task API's SQL text: the select list every read of a task uses, the membership rule every
 * statement applies, and the hottest fixed-shape statements as named (server-side prepared)
 * statements sent straight through `pg`: each is parsed and planned once per connection, and no
 * query builder runs on the request path. The select list writes each value as the API sends it
 * (timestamps as ISO 8601 in UTC with milliseconds, the date as `YYYY-MM-DD`, the time as
 * `HH:MM`), so no value goes string → Date → string on the way out. The prepared statements read
 * the columns as they are instead (`taskTextColumns`) and write them in JavaScript: `to_char`
 * cost PostgreSQL more than the rest of the statement's output.
 */
const iso = (column: string) =>
  `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The names of the select list's columns, in its order. */
const TASK_FIELDS = [
  "id",
  "user_id",
  "title",
  "description",
  "completed",
  "priority",
  "due_date",
  "due_time",
  "tags",
  "recurrence",
  "previous_id",
  "remind_at",
  "reminded_at",
  "list_id",
  "parent_id",
  "assignee_id",
  "created_by",
  "subtask_count",
  "completed_subtask_count",
  "created_at",
  "updated_at",
] as const;

/** The columns of a task read from `alias`, as the API writes them. */
export function taskColumns(alias: string): string {
  const c = (column: string) => `${alias}.${column}`;
  return [
    c("id"),
    c("user_id"),
    c("title"),
    c("description"),
    c("completed"),
    c("priority"),
    `to_char(${c("due_date")}, 'YYYY-MM-DD') as due_date`,
    `to_char(${c("due_time")}, 'HH24:MI') as due_time`,
    c("tags"),
    c("recurrence"),
    c("previous_id"),
    `${iso(c("remind_at"))} as remind_at`,
    `${iso(c("reminded_at"))} as reminded_at`,
    c("list_id"),
    c("parent_id"),
    c("assignee_id"),
    c("created_by"),
    c("subtask_count"),
    c("completed_subtask_count"),
    `${iso(c("created_at"))} as created_at`,
    `${iso(c("updated_at"))} as updated_at`,
  ].join(", ");
}

/**
 * The columns of a task read from `alias` as PostgreSQL writes them (its ISO date style, the
 * session's time zone), for the prepared statements; `taskFromTextRow` writes them as the API
 * does. The same values, in the same order, as `taskColumns`.
 */
export function taskTextColumns(alias: string): string {
  return TASK_FIELDS.map((field) => `${alias}.${field}`).join(", ");
}

/**
 * THE access rule. A user reads the tasks of the lists they are a member of, and writes those of
 * the lists where they are owner or editor and that are not archived. Every statement of the
 * repository that touches a task names its caller through one of these (ESLint keeps the tables
 * out of every other module).
 */
export const readableBy = (taskAlias: string, userParam: string) =>
  `exists (select 1 from list_member access where access.list_id = ${taskAlias}.list_id
    and access.user_id = ${userParam})`;

export const writableBy = (taskAlias: string, userParam: string) =>
  `exists (select 1 from list_member access join list on list.id = access.list_id
    where access.list_id = ${taskAlias}.list_id and access.user_id = ${userParam}
    and access.role <> 'viewer' and not list.archived)`;

export const FIND = {
  name: "task_find",
  rowMode: "array",
  text: `select ${taskTextColumns("t")} from task t where t.id = $1 and ${readableBy("t", "$2")}`,
};

/**
 * The default list page: newest first over every list the caller is in. Each list gives at most
 * one page, newest first, read off task_list_created_idx alone (id and time; a lateral join over
 * the caller's memberships), so the work is bounded by the caller's lists and the page size, never
 * by how many tasks they hold; those few pairs are sorted, and only the page's rows are read whole.
 */
export const LIST_NEWEST = {
  name: "task_list_newest",
  rowMode: "array",
  text: `select ${taskTextColumns("t")} from (
      select x.id, x.created_at from list_member m
      cross join lateral (
        select task.id, task.created_at from task where task.list_id = m.list_id
        order by task.created_at desc, task.id desc limit $2
      ) x
      where m.user_id = $1
      order by x.created_at desc, x.id desc limit $2
    ) page join task t on t.id = page.id
    order by page.created_at desc, page.id desc`,
};

/**
 * The default list page of a caller in one list only: a range of that list's index, newest
 * first, no sort. The membership is checked in the statement (a one-time filter), so a list id
 * the caller no longer belongs to gives nothing.
 */
export const LIST_NEWEST_OF_LIST = {
  name: "task_list_newest_of_list",
  rowMode: "array",
  text: `select ${taskTextColumns("t")} from task t
    where t.list_id = $2 and exists (select 1 from list_member access
      where access.list_id = $2 and access.user_id = $1)
    order by t.created_at desc, t.id desc limit $3`,
};

/**
 * Toggle (or set) `completed` of a task that neither recurs nor has subtasks, in one statement:
 * the UPDATE locks the row, so concurrent toggles never lose one another. A recurring task (whose
 * completion creates the next occurrence) or a task with subtasks (whose completion completes
 * them) takes the transactional path, as does any refusal, which that path explains.
 */
const TOGGLE_SIMPLE = {
  name: "task_toggle_simple",
  rowMode: "array",
  text: `update task t set completed = coalesce($3::boolean, not t.completed),
    updated_at = clock_timestamp()
    where t.id = $1 and t.recurrence is null and ${writableBy("t", "$2")}
      and t.subtask_count = 0
    returning ${taskTextColumns("t")}`,
};

/**
 * A task in the caller's Inbox (the trigger task_list_owner finds it from the user id), with no
 * parent and no assignee: the Inbox is always the caller's own, so writing it needs no check.
 */
const CREATE_IN_INBOX = {
  name: "task_create_inbox",
  rowMode: "array",
  text: `insert into task as t (id, user_id, created_by, title, description, completed, priority,
      due_date, due_time, tags, recurrence, remind_at)
    values ($1, $2, $2, $3, $4, $5, $6::task_priority, $7::date, $8::time, $9::text[], $10,
      $11::timestamptz)
    returning ${taskTextColumns("t")}`,
};

const isString = (value: unknown): value is string => typeof value === "string";
const isStringOrNull = (value: unknown): value is string | null =>
  value === null || typeof value === "string";
const isPriority = (value: unknown): value is Task["priority"] =>
  PRIORITIES.some((priority) => priority === value);
const isStrings = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every(isString);
const isCount = (value: unknown): value is number =>
  typeof value === "number" && Number.isInteger(value);

/**
 * A row of the select list above, checked field by field (the driver's rows are untyped): an
 * array in the select list's order, as the prepared statements ask the driver for (it then builds
 * no object of its own per row), or an object by column name.
 */
export function taskFromRow(row: unknown): Task {
  if (typeof row !== "object" || row === null) throw new Error("task row is not an object");
  return taskFromValues(
    Array.isArray(row) ? row : TASK_FIELDS.map((field): unknown => Reflect.get(row, field)),
  );
}

/** `timestamptz` and `date`, whose text the driver would make a Date of. */
const TEXT_TIME_OIDS = new Set([1184, 1082]);
const asText = (value: string): unknown => value;
/** Times left as PostgreSQL's text; the statements are read in text format only. */
const TEXT_TIMES = {
  getTypeParser: (oid: number) =>
    TEXT_TIME_OIDS.has(oid)
      ? asText
      : (pg.types.getTypeParser(oid, "text") as (value: string) => unknown),
};

/** A `timestamptz` as PostgreSQL writes it in UTC (ISO style): the common case, read at once. */
const UTC_INSTANT = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?\+00$/;
/**
 * The same in any time zone: the offset may have minutes and even seconds (historic zones), and
 * the local year may be 10000 or before the era (`BC`) where the UTC year is 9999 or 0001.
 */
const ZONED_INSTANT =
  /^(\d{4,5})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?([+-])(\d{2})(?::(\d{2}))?(?::(\d{2}))?( BC)?$/;
/** A `time` as PostgreSQL writes it. */
const TIME_OF_DAY = /^(\d{2}:\d{2}):\d{2}(?:\.\d{1,6})?$/;

/** Milliseconds of a fraction of a second: its first three digits, as `to_char`'s `MS`. */
const millisOf = (fraction: string | undefined) => (fraction ?? "").padEnd(3, "0").slice(0, 3);

/**
 * A `timestamptz` written by PostgreSQL as the API writes an instant: ISO 8601 in UTC with
 * milliseconds, exactly as `to_char(... at time zone 'UTC', ...)` in `taskColumns` writes it.
 * Null stays null; anything else is refused.
 */
function instantOf(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const utc = UTC_INSTANT.exec(value);
  if (utc) return `${utc[1]}T${utc[2]}.${millisOf(utc[3])}Z`;
  const zoned = ZONED_INSTANT.exec(value);
  if (!zoned) throw new Error("task timestamp is not in PostgreSQL's ISO form");
  const [, year, month, day, hours, minutes, seconds, fraction, sign, offH, offM, offS, bc] = zoned;
  const offset =
    (sign === "-" ? -1 : 1) * (Number(offH) * 3600 + Number(offM ?? 0) * 60 + Number(offS ?? 0));
  // setUTCFullYear, not Date.UTC: the years 0 to 99 would be read as 1900 to 1999.
  const instant = new Date(0);
  instant.setUTCFullYear(bc ? 1 - Number(year) : Number(year), Number(month) - 1, Number(day));
  instant.setUTCHours(
    Number(hours),
    Number(minutes),
    Number(seconds) - offset,
    Number(millisOf(fraction)),
  );
  return instant.toISOString();
}

/** A `time` written by PostgreSQL as the API writes a time of day: `HH:MM`. */
function timeOfDayOf(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const time = TIME_OF_DAY.exec(value);
  if (!time?.[1]) throw new Error("task time is not in PostgreSQL's ISO form");
  return time[1];
}

/**
 * A row of `taskTextColumns` (an array, in its order), written as the API writes a task, then
 * checked field by field as `taskFromRow` checks it.
 */
export function taskFromTextRow(row: unknown): Task {
  if (!Array.isArray(row) || row.length !== TASK_FIELDS.length)
    throw new Error("task row is not an array of the task's fields");
  const values: unknown[] = row;
  values[7] = timeOfDayOf(values[7]);
  values[11] = instantOf(values[11]);
  values[12] = instantOf(values[12]);
  values[19] = instantOf(values[19]);
  values[20] = instantOf(values[20]);
  return taskFromValues(values);
}

function taskFromValues(values: unknown[]): Task {
  const [
    id,
    user_id,
    title,
    description,
    completed,
    priority,
    due_date,
    due_time,
    tags,
    recurrence,
    previous_id,
    remind_at,
    reminded_at,
    list_id,
    parent_id,
    assignee_id,
    created_by,
    subtask_count,
    completed_subtask_count,
    created_at,
    updated_at,
  ] = values;
  if (
    !isString(id) ||
    !isString(user_id) ||
    !isString(title) ||
    !isStringOrNull(description) ||
    typeof completed !== "boolean" ||
    !isPriority(priority) ||
    !isStringOrNull(due_date) ||
    !isStringOrNull(due_time) ||
    !isStrings(tags) ||
    !isStringOrNull(recurrence) ||
    !isStringOrNull(previous_id) ||
    !isStringOrNull(remind_at) ||
    !isStringOrNull(reminded_at) ||
    !isString(list_id) ||
    !isStringOrNull(parent_id) ||
    !isStringOrNull(assignee_id) ||
    !isStringOrNull(created_by) ||
    !isCount(subtask_count) ||
    !isCount(completed_subtask_count) ||
    !isString(created_at) ||
    !isString(updated_at)
  ) {
    throw new Error("task row does not have the expected types");
  }
  return {
    id,
    user_id,
    title,
    description,
    completed,
    priority,
    due_date,
    due_time,
    tags,
    recurrence,
    previous_id,
    remind_at,
    reminded_at,
    list_id,
    parent_id,
    assignee_id,
    created_by,
    subtask_count,
    completed_subtask_count,
    created_at,
    updated_at,
  };
}

export interface NewTask {
  id: string;
  userId: string;
  title: string;
  description: string | null;
  completed: boolean;
  priority: Task["priority"];
  dueDate: string | null;
  dueTime: string | null;
  tags: string[];
  recurrence: string | null;
  remindAt: string | null;
}

/** The prepared statements, run on a pool (each connection prepares a statement once). */
export class TaskStatements {
  constructor(private readonly pool: pg.Pool) {}

  async find(userId: string, id: string): Promise<Task | null> {
    const { rows } = await this.pool.query({ ...FIND, types: TEXT_TIMES, values: [id, userId] });
    return rows.length > 0 ? taskFromTextRow(rows[0]) : null;
  }

  async listNewest(userId: string, limit: number): Promise<Task[]> {
    const { rows } = await this.pool.query({
      ...LIST_NEWEST,
      types: TEXT_TIMES,
      values: [userId, limit],
    });
    return rows.map(taskFromTextRow);
  }

  async listNewestOfList(userId: string, listId: string, limit: number): Promise<Task[]> {
    const { rows } = await this.pool.query({
      ...LIST_NEWEST_OF_LIST,
      types: TEXT_TIMES,
      values: [userId, listId, limit],
    });
    return rows.map(taskFromTextRow);
  }

  /** The toggled task, or null when the simple path does not apply (or the caller may not). */
  async toggleSimple(userId: string, id: string, completed?: boolean): Promise<Task | null> {
    const { rows } = await this.pool.query({
      ...TOGGLE_SIMPLE,
      types: TEXT_TIMES,
      values: [id, userId, completed ?? null],
    });
    return rows.length > 0 ? taskFromTextRow(rows[0]) : null;
  }

  async createInInbox(input: NewTask): Promise<Task> {
    const { rows } = await this.pool.query({
      ...CREATE_IN_INBOX,
      types: TEXT_TIMES,
      values: [
        input.id,
        input.userId,
        input.title,
        input.description,
        input.completed,
        input.priority,
        input.dueDate,
        input.dueTime,
        input.tags,
        input.recurrence,
        input.remindAt,
      ],
    });
    if (rows.length === 0) throw new Error("insert returned no row");
    return taskFromTextRow(rows[0]);
  }
}
