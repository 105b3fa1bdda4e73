import { z } from "zod";

// The Task contract of the task API (docs: shared spec api.md). The API validates with these
// schemas and generates its OpenAPI document from them; the web app types its calls with them.

import {
  DESCRIPTION_MAX,
  PRIORITIES,
  SORT_KEYS,
  STATUSES,
  TAG_MAX,
  TAGS_MAX,
  TITLE_MAX,
  VIEWS,
  type Task as TaskShape,
} from "./task-rules.ts";
import { RECURRENCE_EXAMPLE, recurrenceProblem } from "./recurrence.ts";

export * from "./task-rules.ts";

export const PrioritySchema = z.enum(PRIORITIES);

/** `YYYY-MM-DD`, within what PostgreSQL's `date` holds (it has no year 0). */
export const CalendarDateSchema = z.iso
  .date()
  .refine((value) => !value.startsWith("0000"), "The year must be 0001 or later");

/** A date-time whose UTC instant falls in the years 0001 to 9999 (PostgreSQL has no year 0). */
const InstantSchema = z.iso.datetime({ offset: true, abort: true }).refine((value) => {
  const year = new Date(value).getUTCFullYear();
  return year >= 1 && year <= 9999;
}, "The year (in UTC) must be between 0001 and 9999");

/**
 * PostgreSQL cannot store a NUL character in text: refused here, as a 422 naming the field,
 * rather than by the database as a 500.
 */
const NO_NUL = /^[^\0]*$/;
const noNul = (name: string) => `${name} must not contain a NUL character (\\u0000)`;

/**
 * A calendar date (`2026-01-15`). A date-time, as older clients send, is cut to its UTC date.
 */
export const DueDateSchema = z
  .union([CalendarDateSchema, InstantSchema])
  .transform((value) => (value.length === 10 ? value : new Date(value).toISOString().slice(0, 10)))
  .meta({
    description: "ISO 8601 date; a date-time is accepted and cut to its UTC date",
    examples: ["2026-01-15"],
  });

/** A wall-clock time of day, 24-hour `HH:MM`. */
export const DueTimeSchema = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "Must be a time HH:MM (00:00 to 23:59)")
  .meta({
    description: "24-hour wall-clock time HH:MM; only with a due_date",
    examples: ["09:30"],
  });

export const RecurrenceSchema = z
  .string()
  .trim()
  .max(200)
  .superRefine((rule, context) => {
    const problem = recurrenceProblem(rule);
    if (problem) context.addIssue({ code: "custom", message: problem });
  })
  .meta({
    description:
      "RFC 5545 RRULE limited to FREQ (DAILY, WEEKLY, MONTHLY, YEARLY), INTERVAL (1-365), " +
      "BYDAY (WEEKLY), BYMONTHDAY (MONTHLY: 1-31 or -1), COUNT (1-1000) and UNTIL (a date); " +
      "needs a due_date",
    examples: [RECURRENCE_EXAMPLE],
  });

/** An instant with an offset; normalised to UTC. */
export const RemindAtSchema = InstantSchema.transform((value) =>
  new Date(value).toISOString(),
).meta({
  description: "ISO 8601 date-time; the owner's event streams get a reminder then",
  examples: ["2026-01-15T08:30:00Z"],
});

export const TitleSchema = z
  .string()
  .trim()
  .min(1, "Title must not be empty")
  .max(TITLE_MAX, `Title must be at most ${TITLE_MAX} characters`)
  .regex(NO_NUL, noNul("Title"));

export const DescriptionSchema = z
  .string()
  .max(DESCRIPTION_MAX, `Description must be at most ${DESCRIPTION_MAX} characters`)
  .regex(NO_NUL, noNul("Description"))
  .nullable();

export const TagsSchema = z
  .array(
    z
      .string()
      .trim()
      .min(1, "A tag must not be empty")
      .max(TAG_MAX, `A tag must be at most ${TAG_MAX} characters`)
      .regex(NO_NUL, noNul("A tag")),
  )
  .max(TAGS_MAX, `At most ${TAGS_MAX} tags`)
  .refine((tags) => new Set(tags).size === tags.length, "Tags must be distinct");

export const TaskSchema = z
  .object({
    id: z.uuid(),
    user_id: z.string(),
    title: z.string(),
    description: z.string().nullable(),
    completed: z.boolean(),
    priority: PrioritySchema,
    due_date: z.iso.date().nullable(),
    due_time: z.string().nullable().describe("HH:MM"),
    tags: z.array(z.string()),
    recurrence: z.string().nullable(),
    previous_id: z.uuid().nullable().describe("The occurrence this task was spawned from"),
    remind_at: z.iso.datetime().nullable(),
    reminded_at: z.iso.datetime().nullable().describe("When the reminder was sent"),
    list_id: z.uuid().describe("The list holding the task"),
    parent_id: z.uuid().nullable().describe("The task this one is a subtask of (same list)"),
    assignee_id: z.string().nullable().describe("A member of the list, or null"),
    created_by: z
      .string()
      .nullable()
      .describe("Who created the task; null once that account is deleted"),
    subtask_count: z.number().int().describe("Direct subtasks"),
    completed_subtask_count: z.number().int().describe("Direct subtasks that are completed"),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .meta({ id: "Task" });
// The plain Task type of task-rules.ts and this schema must agree.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _taskTypesAgree: Same<z.infer<typeof TaskSchema>, TaskShape> = true;
void _taskTypesAgree;

/** Fields a client may not set; present in a body they are ignored, so a fetched Task can be sent back. */
const readOnly = {
  id: z.unknown().optional(),
  user_id: z.unknown().optional(),
  previous_id: z.unknown().optional(),
  reminded_at: z.unknown().optional(),
  created_by: z.unknown().optional(),
  subtask_count: z.unknown().optional(),
  completed_subtask_count: z.unknown().optional(),
  created_at: z.unknown().optional(),
  updated_at: z.unknown().optional(),
};

const stripReadOnly = <T extends Record<string, unknown>>({
  id: _id,
  user_id: _userId,
  previous_id: _previousId,
  reminded_at: _remindedAt,
  created_by: _createdBy,
  subtask_count: _subtaskCount,
  completed_subtask_count: _completedSubtaskCount,
  created_at: _createdAt,
  updated_at: _updatedAt,
  ...rest
}: T & Partial<Record<keyof typeof readOnly, unknown>>) => rest;

const Uuid = (field: string) =>
  z.uuid({ message: `${field} must be an id (UUID)` }).transform((id) => id.toLowerCase());

/** The fields a client may set, all optional; create then requires a title. */
const writableFields = {
  title: TitleSchema.optional(),
  description: DescriptionSchema.optional(),
  completed: z.boolean().optional(),
  priority: PrioritySchema.optional(),
  due_date: DueDateSchema.nullable().optional(),
  due_time: DueTimeSchema.nullable().optional(),
  tags: TagsSchema.optional(),
  recurrence: RecurrenceSchema.nullable().optional(),
  remind_at: RemindAtSchema.nullable().optional(),
  list_id: Uuid("list_id")
    .optional()
    .describe(
      "The list: default the parent's list with a parent_id, else the caller's Inbox. On an " +
        "update, moves the task and its subtasks (needs write on both lists)",
    ),
  parent_id: Uuid("parent_id")
    .nullable()
    .optional()
    .describe(
      "A task in the same list to be a subtask of; at most 4 levels deep, never the task itself or one of its subtasks",
    ),
  assignee_id: z
    .string()
    .min(1)
    .max(255)
    .regex(NO_NUL, noNul("assignee_id"))
    .nullable()
    .optional()
    .describe("A member of the task's list, or null"),
};

/** The rules between fields of one task, checked on the task as it will be stored. */
export function taskFieldsProblems(fields: {
  due_date?: string | null | undefined;
  due_time?: string | null | undefined;
  recurrence?: string | null | undefined;
}): Array<{ field: string; message: string }> {
  const problems: Array<{ field: string; message: string }> = [];
  const dated = fields.due_date !== null && fields.due_date !== undefined;
  if (fields.due_time != null && !dated)
    problems.push({ field: "due_time", message: "A due_time needs a due_date" });
  if (fields.recurrence != null && !dated)
    problems.push({ field: "recurrence", message: "A recurring task needs a due_date" });
  return problems;
}

export const TaskCreateSchema = z
  .strictObject({ ...writableFields, title: TitleSchema, ...readOnly })
  .superRefine((task, context) => {
    for (const problem of taskFieldsProblems(task))
      context.addIssue({ code: "custom", path: [problem.field], message: problem.message });
  })
  .transform(stripReadOnly)
  .meta({ id: "TaskCreate" });
export type TaskCreate = z.input<typeof TaskCreateSchema>;
export type TaskCreateParsed = z.output<typeof TaskCreateSchema>;

export const TaskUpdateSchema = z
  .strictObject({ ...writableFields, ...readOnly })
  .transform(stripReadOnly)
  .meta({ id: "TaskUpdate" });
export type TaskUpdate = z.input<typeof TaskUpdateSchema>;
export type TaskUpdateParsed = z.output<typeof TaskUpdateSchema>;

export const TaskCompleteSchema = z
  .strictObject({ completed: z.boolean().optional() })
  .meta({ id: "TaskComplete" });

export const SortSchema = z
  .enum([...SORT_KEYS, ...SORT_KEYS.map((key) => `-${key}` as const)])
  .default("-created");

const DateOnlySchema = CalendarDateSchema;

/** Filters the list and the counts share. */
const taskFilterFields = {
  q: z.string().trim().max(200).regex(NO_NUL, noNul("The search text")).optional(),
  priority: PrioritySchema.optional(),
  tag: z
    .string()
    .trim()
    .min(1)
    .max(TAG_MAX)
    .regex(NO_NUL, noNul("A tag"))
    .optional()
    .describe("One tag, matched case-insensitively"),
  today: DateOnlySchema.optional().describe(
    "The caller's own date (YYYY-MM-DD) for views and counts; the server's UTC date by default",
  ),
};

/** Which of the caller's lists, subtasks and assignments a list or a count covers. */
const taskScopeFields = {
  list: z
    .union([z.literal("inbox"), Uuid("list")])
    .optional()
    .describe("A list id, or `inbox`: that list's tasks only"),
  parent: z
    .union([z.literal("none"), Uuid("parent")])
    .optional()
    .describe("A task id: its direct subtasks; `none`: top-level tasks only"),
  assignee: z
    .string()
    .min(1)
    .max(255)
    .regex(NO_NUL, noNul("assignee"))
    .optional()
    .describe("`me`, a user id, or `none` (not assigned)"),
};

export const TaskListQuerySchema = z.strictObject({
  status: z.enum(STATUSES).default("all"),
  ...taskFilterFields,
  view: z
    .enum(VIEWS)
    .optional()
    .describe(
      "today: pending, due on or before today (overdue first); upcoming: pending, due after " +
        "today; overdue: pending, due before today. Sorted by due date unless `sort` is given; " +
        "within a day, tasks without a due_time (all-day) first, then by due_time",
    ),
  due_from: DateOnlySchema.optional().describe("Due on or after this date"),
  due_to: DateOnlySchema.optional().describe("Due on or before this date"),
  due: z.enum(["none", "any"]).optional().describe("none: no due date; any: has one"),
  ...taskScopeFields,
  sort: z
    .enum([...SORT_KEYS, ...SORT_KEYS.map((key) => `-${key}` as const)])
    .optional()
    .describe("Default -created, or due_date with a view"),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(1024).optional(),
});
export type TaskListQuery = z.input<typeof TaskListQuerySchema>;
export type TaskListQueryParsed = z.output<typeof TaskListQuerySchema>;

export const TaskStatsQuerySchema = z.strictObject({ ...taskFilterFields, ...taskScopeFields });
export type TaskStatsQuery = z.input<typeof TaskStatsQuerySchema>;

export const TaskStatsSchema = z
  .object({
    all: z.number().int(),
    pending: z.number().int(),
    completed: z.number().int(),
    overdue: z.number().int().describe("Pending, due before today"),
    today: z.number().int().describe("Pending, due today or earlier (the Today view)"),
    upcoming: z.number().int().describe("Pending, due after today"),
    no_due_date: z.number().int().describe("Tasks without a due date, pending or not"),
  })
  .meta({ id: "TaskStats" });
export type TaskStats = z.infer<typeof TaskStatsSchema>;

export const MeSchema = z
  .object({ id: z.string(), email: z.string().nullable(), name: z.string().nullable() })
  .meta({ id: "Me" });
export type Me = z.infer<typeof MeSchema>;
