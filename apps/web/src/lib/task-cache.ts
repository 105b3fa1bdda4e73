import type { InfiniteData } from "@tanstack/react-query";
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
      const at = page.tasks.findIndex((other) => compareTasks(sort, task, other) < 0);
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
