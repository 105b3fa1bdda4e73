import type { InfiniteData } from "@tanstack/react-query";
import type { ListAnswer } from "@taskbridge/shared/list-mini";
import type { TaskAnswer, TaskStatsAnswer } from "@taskbridge/shared/task-mini";
import type { TaskPage } from "./api-client.ts";
import { compareTasks, matchesList, type ListParams } from "./views.ts";

// Pure functions that patch cached lists and counts from one known change, so an action costs
// one request: the answer (or the prediction before it) says where the task goes.

export type TaskPages = InfiniteData<TaskPage, string | null>;

/** One task before and after a change; null before a create and after a delete. */
export interface Change {
  before: TaskAnswer | null;
  after: TaskAnswer | null;
}

/**
 * Puts the changed task where it belongs in one cached list: out of it when it no longer
 * matches, else in the list's order among the loaded tasks. A task that sorts past the last
 * loaded one while more pages follow is left for those pages to bring.
 */
export function placeTask(
  data: TaskPages | undefined,
  params: ListParams,
  change: Change,
): TaskPages | undefined {
  if (!data) return data;
  const id = change.after?.id ?? change.before?.id;
  const pages = data.pages.map((page) => ({
    ...page,
    tasks: page.tasks.filter((task) => task.id !== id),
  }));
  const task = change.after;
  if (task && matchesList(task, params)) {
    const sort = params.sort ?? "-created";
    let placed = false;
    for (const page of pages) {
      const at = page.tasks.findIndex(
        (other) => compareTasks(sort, task, other, params.view !== undefined) < 0,
      );
      if (at >= 0) {
        page.tasks.splice(at, 0, task);
        placed = true;
        break;
      }
    }
    const last = pages.at(-1);
    if (!placed && last && last.nextCursor === null) last.tasks.push(task);
  }
  return { ...data, pages };
}

const STAT_KEYS: ReadonlyArray<keyof TaskStatsAnswer> = [
  "all",
  "pending",
  "completed",
  "overdue",
  "today",
  "upcoming",
  "no_due_date",
];

/** How one task counts in `/tasks/stats`. */
function countsOf(task: TaskAnswer | null, today: string): TaskStatsAnswer {
  const none = {
    all: 0,
    pending: 0,
    completed: 0,
    overdue: 0,
    today: 0,
    upcoming: 0,
    no_due_date: 0,
  };
  if (!task) return none;
  const pending = !task.completed;
  const due = task.due_date;
  return {
    all: 1,
    pending: pending ? 1 : 0,
    completed: pending ? 0 : 1,
    overdue: pending && due !== null && due < today ? 1 : 0,
    today: pending && due !== null && due <= today ? 1 : 0,
    upcoming: pending && due !== null && due > today ? 1 : 0,
    no_due_date: due === null ? 1 : 0,
  };
}

export function patchStats(
  stats: TaskStatsAnswer | undefined,
  change: Change,
  today: string,
): TaskStatsAnswer | undefined {
  if (!stats) return stats;
  const before = countsOf(change.before, today);
  const after = countsOf(change.after, today);
  const next = { ...stats };
  for (const key of STAT_KEYS) next[key] = Math.max(0, next[key] - before[key] + after[key]);
  return next;
}

export function findTask(data: TaskPages | undefined, id: string): TaskAnswer | undefined {
  for (const page of data?.pages ?? []) {
    const found = page.tasks.find((task) => task.id === id);
    if (found) return found;
  }
  return undefined;
}

/** A list's counts (open and all tasks) after one change of a task in it. */
export function patchLists(
  lists: ListAnswer[] | undefined,
  change: Change,
): ListAnswer[] | undefined {
  if (!lists) return lists;
  const delta = new Map<string, { pending: number; all: number }>();
  const count = (task: TaskAnswer | null, sign: number) => {
    if (!task?.list_id) return;
    const entry = delta.get(task.list_id) ?? { pending: 0, all: 0 };
    entry.all += sign;
    if (!task.completed) entry.pending += sign;
    delta.set(task.list_id, entry);
  };
  count(change.before, -1);
  count(change.after, 1);
  if ([...delta.values()].every((entry) => entry.all === 0 && entry.pending === 0)) return lists;
  return lists.map((list) => {
    const entry = delta.get(list.id);
    if (!entry) return list;
    return {
      ...list,
      pending_count: Math.max(0, list.pending_count + entry.pending),
      task_count: Math.max(0, list.task_count + entry.all),
    };
  });
}

/** A parent's "2/5" after one change of a subtask of it (added, completed, moved or deleted). */
export function patchParents(data: TaskPages | undefined, change: Change): TaskPages | undefined {
  if (!data) return data;
  const delta = new Map<string, { all: number; done: number }>();
  const count = (task: TaskAnswer | null, sign: number) => {
    if (!task?.parent_id) return;
    const entry = delta.get(task.parent_id) ?? { all: 0, done: 0 };
    entry.all += sign;
    if (task.completed) entry.done += sign;
    delta.set(task.parent_id, entry);
  };
  count(change.before, -1);
  count(change.after, 1);
  if ([...delta.values()].every((entry) => entry.all === 0 && entry.done === 0)) return data;
  let touched = false;
  const pages = data.pages.map((page) => ({
    ...page,
    tasks: page.tasks.map((task) => {
      const entry = delta.get(task.id);
      if (!entry) return task;
      touched = true;
      return {
        ...task,
        subtask_count: Math.max(0, task.subtask_count + entry.all),
        completed_subtask_count: Math.max(0, task.completed_subtask_count + entry.done),
      };
    }),
  }));
  return touched ? { ...data, pages } : data;
}

/**
 * The open subtasks, at any depth, of a task being completed, among the tasks loaded: the API
 * completes them with it, and the board shows them so without waiting.
 */
export function openDescendants(loaded: readonly TaskAnswer[], id: string): TaskAnswer[] {
  const found: TaskAnswer[] = [];
  const parents = new Set([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const task of loaded) {
      if (task.parent_id && parents.has(task.parent_id) && !parents.has(task.id)) {
        parents.add(task.id);
        if (!task.completed) found.push(task);
        grew = true;
      }
    }
  }
  return found;
}
