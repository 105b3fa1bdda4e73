import * as z from "zod/mini";
import { PRIORITIES } from "./task-rules.ts";

// The task API's answers as the browser reads them, built with zod's tree-shakable `zod/mini`
// so that checking every answer costs the board a few kilobytes instead of the whole of zod.

const calendarDate = /^\d{4}-\d{2}-\d{2}/;

/**
 * A due date as a calendar date (`YYYY-MM-DD`). An answer that carries a date-time (the first
 * shape of the contract) is read as the date it names in UTC, which is where such dates were
 * stored.
 */
const DueDateAnswer = z.pipe(
  z.nullable(z.string().check(z.regex(calendarDate))),
  z.transform((value) => (value === null ? null : value.slice(0, 10))),
);

/** Fields added by later versions of the contract read as null when an answer lacks them. */
const optionalText = z.pipe(
  z.optional(z.nullable(z.string())),
  z.transform((value) => value ?? null),
);

export const TaskAnswerSchema = z.object({
  id: z.string(),
  user_id: z.string(),
  title: z.string(),
  description: z.nullable(z.string()),
  completed: z.boolean(),
  priority: z.enum(PRIORITIES),
  due_date: DueDateAnswer,
  due_time: optionalText,
  recurrence: optionalText,
  remind_at: optionalText,
  reminded_at: optionalText,
  previous_id: optionalText,
  tags: z.array(z.string()),
  created_at: z.string(),
  updated_at: z.string(),
});
export type TaskAnswer = z.output<typeof TaskAnswerSchema>;

export const TaskListAnswerSchema = z.array(TaskAnswerSchema);

export const TaskStatsAnswerSchema = z.object({
  all: z.number(),
  pending: z.number(),
  completed: z.number(),
  overdue: z.number(),
  today: z.number(),
  upcoming: z.number(),
  no_due_date: z.number(),
});
export type TaskStatsAnswer = z.output<typeof TaskStatsAnswerSchema>;

export const ProblemAnswerSchema = z.object({
  status: z.number(),
  detail: z.string(),
  errors: z.optional(z.array(z.object({ field: z.string(), message: z.string() }))),
});

/** `data` of the live stream's `event: task`. */
export const TaskEventSchema = z.object({ id: z.string(), op: z.optional(z.string()) });

/** `data` of the live stream's `event: reminder`. */
export const ReminderEventSchema = z.object({ task: TaskAnswerSchema });
