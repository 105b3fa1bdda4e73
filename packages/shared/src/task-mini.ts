import * as z from "zod/mini";
import { PRIORITIES, type Task } from "./task-rules.ts";

// The task API's answers as the browser reads them, built with zod's tree-shakable `zod/mini`
// so that checking every answer costs the board a few kilobytes instead of the whole of zod.

const text = z.nullable(z.string());

export const TaskAnswerSchema = z.object({
  id: z.string(),
  user_id: z.string(),
  title: z.string(),
  description: z.nullable(z.string()),
  completed: z.boolean(),
  priority: z.enum(PRIORITIES),
  /** `YYYY-MM-DD`: a calendar date, compared as text with the person's local date. */
  due_date: z.nullable(z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/))),
  due_time: text,
  recurrence: text,
  remind_at: text,
  reminded_at: text,
  previous_id: text,
  list_id: z.string(),
  parent_id: text,
  assignee_id: text,
  created_by: text,
  subtask_count: z.number(),
  completed_subtask_count: z.number(),
  tags: z.array(z.string()),
  created_at: z.string(),
  updated_at: z.string(),
});
export type TaskAnswer = z.output<typeof TaskAnswerSchema>;
// This schema and the Task of the contract must agree.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _answerMatchesTask: Same<TaskAnswer, Task> = true;
void _answerMatchesTask;

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
export const TaskEventSchema = z.object({
  id: z.string(),
  op: z.optional(z.string()),
  list_id: z.optional(z.string()),
});

/** `data` of the live stream's `event: reminder`. */
export const ReminderEventSchema = z.object({ task: TaskAnswerSchema });
