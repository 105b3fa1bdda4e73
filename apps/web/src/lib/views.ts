import { PRIORITIES, SORTS, type Priority, type Sort } from "@taskbridge/shared/task-rules";
import type { TaskAnswer } from "@taskbridge/shared/task-mini";

/** The board's views, in the order the navigation shows them. */
export const VIEWS = ["today", "upcoming", "all", "completed"] as const;
export type View = (typeof VIEWS)[number];
export const VIEW_LABELS: Record<View, string> = {
  today: "Today",
  upcoming: "Upcoming",
  all: "All",
  completed: "Completed",
};

export interface Filters {
  q: string;
  priority: Priority | "";
  tag: string;
  sort: Sort;
}
export const DEFAULT_FILTERS: Filters = { q: "", priority: "", tag: "", sort: "-created" };

/** A list id as the URL may carry it: anything else opens no list. */
const LIST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What the URL says: `/tasks?view=upcoming&tag=home`, or one list: `/tasks?list=<id>&sort=title`
 * (which keeps the view it was opened from, for the way back). Anything unknown reads as the default.
 */
export function readBoardParams(params: URLSearchParams): {
  view: View;
  filters: Filters;
  list: string | null;
} {
  const view = VIEWS.find((name) => name === params.get("view")) ?? "today";
  const priority = PRIORITIES.find((name) => name === params.get("priority")) ?? "";
  const sort = SORTS.find((name) => name === params.get("sort")) ?? DEFAULT_FILTERS.sort;
  const list = params.get("list");
  return {
    view,
    filters: { q: params.get("q") ?? "", tag: params.get("tag") ?? "", priority, sort },
    list: list && LIST_ID.test(list) ? list.toLowerCase() : null,
  };
}

export function writeBoardParams(view: View, filters: Filters, list: string | null = null): string {
  const params = new URLSearchParams({ view });
  if (list) params.set("list", list);
  if (filters.q) params.set("q", filters.q);
  if (filters.priority) params.set("priority", filters.priority);
  if (filters.tag) params.set("tag", filters.tag);
  if (filters.sort !== DEFAULT_FILTERS.sort) params.set("sort", filters.sort);
  return params.toString();
}

/** The query parameters of one list, as the API takes them. */
export type ListParams = Record<string, string>;

/**
 * The list a view shows; filters apply to All and Completed, where the filter bar is. An open
 * list shows all its tasks, with the filter bar and sort of All.
 */
export function listParams(
  view: View,
  filters: Filters,
  today: string,
  list: string | null = null,
): ListParams {
  const filtered: ListParams = {};
  if (filters.q.trim()) filtered.q = filters.q.trim();
  if (filters.priority) filtered.priority = filters.priority;
  if (filters.tag.trim()) filtered.tag = filters.tag.trim();
  if (list) return { ...filtered, list, sort: filters.sort };
  switch (view) {
    case "today":
      return { view: "today", today, sort: "due_date" };
    case "upcoming":
      return { view: "upcoming", today, sort: "due_date" };
    case "completed":
      return { ...filtered, status: "completed", sort: "-updated" };
    case "all":
      return { ...filtered, sort: filters.sort };
  }
}

/** Whether a task belongs in the list of `params`: decides where a changed task goes in the cache. */
export function matchesList(task: TaskAnswer, params: ListParams): boolean {
  const today = params.today ?? "";
  if (params.list && task.list_id !== params.list) return false;
  if (params.parent && task.parent_id !== params.parent) return false;
  if (params.view === "today")
    return !task.completed && task.due_date !== null && task.due_date <= today;
  if (params.view === "upcoming")
    return !task.completed && task.due_date !== null && task.due_date > today;
  if (params.status === "completed" && !task.completed) return false;
  if (params.status === "pending" && task.completed) return false;
  if (params.priority && task.priority !== params.priority) return false;
  if (params.tag) {
    const tag = params.tag.toLowerCase();
    if (!task.tags.some((candidate) => candidate.toLowerCase() === tag)) return false;
  }
  if (params.q) {
    const q = params.q.toLowerCase();
    if (
      !task.title.toLowerCase().includes(q) &&
      !(task.description ?? "").toLowerCase().includes(q)
    )
      return false;
  }
  return true;
}

const PRIORITY_RANK: Record<Priority, number> = { low: 0, medium: 1, high: 2 };

/**
 * The API's order for a sort: ties broken by id; tasks without a due date last going up and
 * first going down, as PostgreSQL orders NULLs. In a view (`byTime`), a day's tasks go by due
 * time, those without one (all-day) first. Used to place a changed task among those loaded.
 */
export function compareTasks(sort: string, a: TaskAnswer, b: TaskAnswer, byTime = false): number {
  const descending = sort.startsWith("-");
  const key = descending ? sort.slice(1) : sort;
  const value = (task: TaskAnswer): string | number | null => {
    switch (key) {
      case "due_date":
        return task.due_date;
      case "priority":
        return PRIORITY_RANK[task.priority];
      case "title":
        return task.title.toLowerCase();
      case "updated":
        return task.updated_at;
      default:
        return task.created_at;
    }
  };
  const va = value(a);
  const vb = value(b);
  let order = 0;
  if (va === null && vb !== null) order = 1;
  else if (va !== null && vb === null) order = -1;
  else if (va !== null && vb !== null) order = va < vb ? -1 : va > vb ? 1 : 0;
  if (order === 0 && byTime && key === "due_date" && a.due_time !== b.due_time) {
    if (a.due_time === null) order = -1;
    else if (b.due_time === null) order = 1;
    else order = a.due_time < b.due_time ? -1 : 1;
  }
  if (order === 0) order = a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  return descending ? -order : order;
}
