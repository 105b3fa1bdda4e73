import type pg from "pg";
import { PRIORITIES, type Task } from "@taskbridge/shared/task";

/**
 * The hottest fixed-shape statements of the task API, as named (server-side prepared) statements
 * sent straight through `pg`: each is parsed and planned once per connection, and no query builder
 * runs on the request path. Every one names the owner in its WHERE clause. The select list writes
 * each value as the API sends it (timestamps as ISO 8601 in UTC with milliseconds, the date as
 * `YYYY-MM-DD`, the time as `HH:MM`), so no value goes string → Date → string on the way out.
 */
const iso = (column: string) =>
  `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const TASK_JSON = [
  "id",
  "user_id",
  "title",
  "description",
  "completed",
  "priority",
  "to_char(due_date, 'YYYY-MM-DD') as due_date",
  "to_char(due_time, 'HH24:MI') as due_time",
  "tags",
  "recurrence",
  "previous_id",
  `${iso("remind_at")} as remind_at`,
  `${iso("reminded_at")} as reminded_at`,
  `${iso("created_at")} as created_at`,
  `${iso("updated_at")} as updated_at`,
].join(", ");

export const FIND = {
  name: "task_find",
  text: `select ${TASK_JSON} from task where id = $1 and user_id = $2`,
};

/**
 * The default list page: newest first, off task_user_created_idx. The ORDER BY names the table's
 * columns: bare, `created_at` would be the formatted text of the select list, which no index
 * holds, and every page would sort all of the owner's tasks.
 */
export const LIST_NEWEST = {
  name: "task_list_newest",
  text: `select ${TASK_JSON} from task where user_id = $1
    order by task.created_at desc, task.id desc limit $2`,
};

/**
 * Toggle (or set) `completed` of a task that does not recur, in one statement: the UPDATE locks
 * the row, so concurrent toggles never lose one another. A recurring task, whose completion
 * creates the next occurrence in the same transaction, is left to the transactional path.
 */
const TOGGLE_SIMPLE = {
  name: "task_toggle_simple",
  text: `update task set completed = coalesce($3::boolean, not completed),
    updated_at = clock_timestamp()
    where id = $1 and user_id = $2 and recurrence is null
    returning ${TASK_JSON}`,
};

const CREATE = {
  name: "task_create",
  text: `insert into task (id, user_id, title, description, completed, priority, due_date,
    due_time, tags, recurrence, remind_at)
    values ($1, $2, $3, $4, $5, $6::task_priority, $7::date, $8::time, $9::text[], $10,
      $11::timestamptz)
    returning ${TASK_JSON}`,
};

const isString = (value: unknown): value is string => typeof value === "string";
const isStringOrNull = (value: unknown): value is string | null =>
  value === null || typeof value === "string";
const isPriority = (value: unknown): value is Task["priority"] =>
  PRIORITIES.some((priority) => priority === value);
const isStrings = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every(isString);

/** A row of the select list above, checked field by field (the driver's rows are untyped). */
export function taskFromRow(row: unknown): Task {
  if (typeof row !== "object" || row === null) throw new Error("task row is not an object");
  const r: Record<string, unknown> = { ...row };
  const {
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
    created_at,
    updated_at,
  } = r;
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
    const { rows } = await this.pool.query({ ...FIND, values: [id, userId] });
    return rows.length > 0 ? taskFromRow(rows[0]) : null;
  }

  async listNewest(userId: string, limit: number): Promise<Task[]> {
    const { rows } = await this.pool.query({ ...LIST_NEWEST, values: [userId, limit] });
    return rows.map(taskFromRow);
  }

  /** The toggled task, or null when there is none of this owner that does not recur. */
  async toggleSimple(userId: string, id: string, completed?: boolean): Promise<Task | null> {
    const { rows } = await this.pool.query({
      ...TOGGLE_SIMPLE,
      values: [id, userId, completed ?? null],
    });
    return rows.length > 0 ? taskFromRow(rows[0]) : null;
  }

  async create(input: NewTask): Promise<Task> {
    const { rows } = await this.pool.query({
      ...CREATE,
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
    return taskFromRow(rows[0]);
  }
}
