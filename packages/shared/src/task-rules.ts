// The task rules as plain values and types, without zod, for code that must stay small (the
// browser bundle). task.ts builds the zod schemas from these same values.

export const PRIORITIES = ["low", "medium", "high"] as const;
export type Priority = (typeof PRIORITIES)[number];

export const TITLE_MAX = 200;
export const DESCRIPTION_MAX = 1000;
export const TAGS_MAX = 10;
export const TAG_MAX = 32;

export const SORT_KEYS = ["created", "updated", "due_date", "priority", "title"] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type Sort = SortKey | `-${SortKey}`;
export const SORTS: readonly Sort[] = [...SORT_KEYS, ...SORT_KEYS.map((key) => `-${key}` as const)];

/** The key a sort orders by, without its direction. */
export function sortKeyOf(sort: Sort): SortKey {
  const key = sort.startsWith("-") ? sort.slice(1) : sort;
  return SORT_KEYS.find((candidate) => candidate === key) ?? "created";
}

export const STATUSES = ["all", "pending", "completed"] as const;
export type Status = (typeof STATUSES)[number];

/** Shorthands of the list, each a filter plus an order by due date, relative to `today`. */
export const VIEWS = ["today", "upcoming", "overdue"] as const;
export type View = (typeof VIEWS)[number];

/** A task as the API returns it. */
export interface Task {
  id: string;
  user_id: string;
  title: string;
  description: string | null;
  completed: boolean;
  priority: Priority;
  /** `YYYY-MM-DD` */
  due_date: string | null;
  /** `HH:MM` */
  due_time: string | null;
  tags: string[];
  recurrence: string | null;
  previous_id: string | null;
  remind_at: string | null;
  reminded_at: string | null;
  /** The list holding the task. */
  list_id: string;
  /** The task this one is a subtask of, in the same list. */
  parent_id: string | null;
  /** A member of the list the task is assigned to. */
  assignee_id: string | null;
  /** Who created it; null once that account is deleted. */
  created_by: string | null;
  /** Direct subtasks, and how many of them are completed. */
  subtask_count: number;
  completed_subtask_count: number;
  created_at: string;
  updated_at: string;
}

/** How deep subtasks nest: a top task and this many levels below it. */
export const SUBTASK_LEVELS = 3;
