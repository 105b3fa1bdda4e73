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
  created_at: string;
  updated_at: string;
}

const isStringOrNull = (value: unknown) => value === null || typeof value === "string";

/** A light check of a Task from the API, for the browser (the API itself validates with zod). */
export function isTask(value: unknown): value is Task {
  if (typeof value !== "object" || value === null) return false;
  const t = value as Record<string, unknown>;
  return (
    typeof t.id === "string" &&
    typeof t.user_id === "string" &&
    typeof t.title === "string" &&
    isStringOrNull(t.description) &&
    typeof t.completed === "boolean" &&
    PRIORITIES.some((p) => p === t.priority) &&
    isStringOrNull(t.due_date) &&
    isStringOrNull(t.due_time) &&
    isStringOrNull(t.recurrence) &&
    isStringOrNull(t.previous_id) &&
    isStringOrNull(t.remind_at) &&
    isStringOrNull(t.reminded_at) &&
    Array.isArray(t.tags) &&
    t.tags.every((tag) => typeof tag === "string") &&
    typeof t.created_at === "string" &&
    typeof t.updated_at === "string"
  );
}

export interface ProblemDetails {
  status: number;
  detail: string;
  errors?: Array<{ field: string; message: string }>;
}

export function isProblem(value: unknown): value is ProblemDetails {
  if (typeof value !== "object" || value === null) return false;
  const p = value as Record<string, unknown>;
  return (
    typeof p.status === "number" &&
    typeof p.detail === "string" &&
    (p.errors === undefined || Array.isArray(p.errors))
  );
}
