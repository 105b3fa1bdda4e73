"use client";
import { useMutation, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { toast } from "@/lib/toast";
import type { TaskAnswer, TaskStatsAnswer } from "@taskbridge/shared/task-mini";
import { useApi } from "@/components/providers";
import { ApiError, type TaskChange } from "@/lib/api-client";
import type { OwnChanges } from "@/lib/own-changes";
import type { ListAnswer } from "@taskbridge/shared/list-mini";
import {
  openDescendants,
  patchLists,
  patchParents,
  patchStats,
  placeTask,
  type Change,
  type TaskPages,
} from "@/lib/task-cache";
import { listsKey } from "@/hooks/use-task-queries";
import type { TaskInput } from "@/lib/task-draft";

export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.detail;
  return error instanceof Error ? error.message : "Something went wrong.";
}

const isParams = (value: unknown): value is Record<string, string> =>
  typeof value === "object" &&
  value !== null &&
  Object.values(value).every((item) => typeof item === "string");

/**
 * Applies one known change to every cached list of tasks, the counts of the views and of the
 * lists, and the "2/5" of a subtask's parent. Completing a task completes its open subtasks too,
 * as the API does.
 */
export function applyChange(
  queryClient: QueryClient,
  change: Change,
  today: string,
  cascade = true,
) {
  const cached = queryClient.getQueriesData<TaskPages>({ queryKey: ["tasks", "list"] });
  for (const [key, data] of cached) {
    const params = key[2];
    if (isParams(params))
      queryClient.setQueryData(key, patchParents(placeTask(data, params, change), change));
  }
  queryClient.setQueriesData<TaskStatsAnswer>({ queryKey: ["tasks", "stats"] }, (stats) =>
    patchStats(stats, change, today),
  );
  queryClient.setQueryData<ListAnswer[]>(listsKey, (lists) => patchLists(lists, change));
  const { before, after } = change;
  if (cascade && after?.completed && before && !before.completed && after.subtask_count > 0) {
    const loaded = new Map<string, TaskAnswer>();
    for (const [, data] of cached)
      for (const page of data?.pages ?? [])
        for (const task of page.tasks) loaded.set(task.id, task);
    for (const task of openDescendants([...loaded.values()], after.id))
      applyChange(queryClient, { before: task, after: { ...task, completed: true } }, today, false);
  }
}

/** Resolves once no read of the tasks' queries is under way. */
function readsLanded(queryClient: QueryClient): Promise<void> {
  return new Promise((resolve) => {
    const idle = () => queryClient.isFetching({ queryKey: ["tasks"] }) === 0;
    if (idle()) return resolve();
    const stop = queryClient.getQueryCache().subscribe(() => {
      if (!idle()) return;
      stop();
      resolve();
    });
  });
}

type Snapshot = Array<[readonly unknown[], unknown]>;

function snapshot(queryClient: QueryClient): Snapshot {
  return queryClient.getQueriesData({ queryKey: ["tasks"] });
}

/**
 * One optimistic mutation: `predict` says at once what the change will look like, the answer
 * then says what it is, and both patch the cache in place (one request per action). Only what
 * an answer cannot tell (a next occurrence the API made) is fetched again.
 */
function useTaskMutation<Vars, Result>({
  today,
  send,
  target,
  predict,
  settle,
  failure,
  own,
}: {
  today: string;
  send: (vars: Vars) => Promise<Result>;
  /** The task changed, when known before the answer. */
  target?: (vars: Vars) => string;
  predict?: (vars: Vars) => Change | null;
  settle: (vars: Vars, result: Result) => { after: TaskAnswer | null; refetch: boolean };
  failure: string;
  own: OwnChanges;
}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: send,
    onMutate: async (vars: Vars) => {
      const saved = snapshot(queryClient);
      const predicted = predict?.(vars) ?? null;
      if (predicted) {
        // A list fetch under way would overwrite the prediction with older data.
        await queryClient.cancelQueries({ queryKey: ["tasks"] });
        applyChange(queryClient, predicted, today);
      }
      // Last, so that every change started is also answered; still before the request goes
      // (mutationFn runs once this returns), since the stream's echo may beat the answer.
      const answered = own.start(target?.(vars));
      return { saved, predicted, answered };
    },
    onError: (error, _vars, context) => {
      context?.answered(null);
      for (const [key, data] of context?.saved ?? []) queryClient.setQueryData(key, data);
      toast.error(`${failure}: ${describeError(error)}`);
    },
    onSuccess: (result, vars, context) => {
      const { after, refetch } = settle(vars, result);
      context.answered(after?.id ?? null);
      // A read under way now may have been answered before this write was made: landing after
      // the patch below, it would put back the world without it (a task just added gone from
      // the board, and the stream's echo of it rightly ignored). Once such reads have landed,
      // the board reads again. (A first read is not cancelled by a refetch but joined, so
      // waiting for it is the one way past it.)
      const overtaken = queryClient.isFetching({ queryKey: ["tasks"] }) > 0;
      applyChange(queryClient, { before: context.predicted?.after ?? null, after }, today);
      if (overtaken)
        void readsLanded(queryClient).then(() =>
          queryClient.invalidateQueries({ queryKey: ["tasks"] }),
        );
      else if (refetch) void queryClient.invalidateQueries({ queryKey: ["tasks"] });
    },
  });
}

/** A task sent to the API and not yet answered for, shown greyed until it is. */
export interface Adding {
  key: string;
  input: TaskInput;
}

export interface TaskMutations {
  create: (input: TaskInput) => void;
  adding: Adding[];
  update: (task: TaskAnswer, changes: Partial<TaskInput>) => void;
  toggle: (task: TaskAnswer) => void;
  /** Takes the task off the board at once; the API hears of it when the undo time is over. */
  remove: (task: TaskAnswer) => void;
  /** Brings back the last task removed, if its undo time is not over. */
  undoLast: () => boolean;
}

export const UNDO_MS = 5000;

/**
 * The board's actions. `own` is told of every task this tab changes, so the live stream's echo
 * of our own change does not fetch it again.
 */
export function useTaskMutations(today: string, own: OwnChanges): TaskMutations {
  const api = useApi();
  const queryClient = useQueryClient();

  const create = useTaskMutation({
    today,
    own,
    send: (input: TaskInput) => api.createTask(input),
    settle: (_input, task) => ({ after: task, refetch: false }),
    failure: "Could not add the task",
  });

  const update = useTaskMutation({
    today,
    own,
    send: ({ task, changes }: { task: TaskAnswer; changes: Partial<TaskInput> }) =>
      api.updateTask(task.id, changes),
    target: ({ task }) => task.id,
    predict: ({ task, changes }) => ({ before: task, after: { ...task, ...changes } }),
    settle: (_vars, change: TaskChange) => ({ after: change.task, refetch: change.spawnedNext }),
    failure: "Could not save the task",
  });

  const toggle = useTaskMutation({
    today,
    own,
    send: (task: TaskAnswer) => api.setCompleted(task.id, !task.completed),
    target: (task) => task.id,
    predict: (task) => ({ before: task, after: { ...task, completed: !task.completed } }),
    settle: (_task, change: TaskChange) => ({ after: change.task, refetch: change.spawnedNext }),
    failure: "Could not update the task",
  });

  const destroy = useMutation({
    mutationFn: ({ task, keepalive }: { task: TaskAnswer; keepalive: boolean }) =>
      api.deleteTask(task.id, { keepalive }),
    onError: (error, { task }) => {
      applyChange(queryClient, { before: null, after: task }, today);
      toast.error(`Could not delete “${task.title}”: ${describeError(error)}`);
    },
  });

  // Deletes waiting for their undo time, by task id, newest last.
  // Each removal's toast has an id of its own: a task deleted again after an undo gets a new
  // toast rather than an update of the one closing.
  const waiting = useRef(new Map<string, { task: TaskAnswer; toastId: string }>());
  const toasts = useRef(0);
  const commit = useCallback(
    (id: string, keepalive = false) => {
      const entry = waiting.current.get(id);
      if (!entry) return;
      waiting.current.delete(id);
      own.mark(id);
      destroy.mutate({ task: entry.task, keepalive });
    },
    [destroy, own],
  );
  const undo = useCallback(
    (id: string) => {
      const entry = waiting.current.get(id);
      if (!entry) return false;
      waiting.current.delete(id);
      toast.dismiss(entry.toastId);
      applyChange(queryClient, { before: null, after: entry.task }, today);
      return true;
    },
    [queryClient, today],
  );

  // Leaving the page ends the undo time of every waiting delete.
  useEffect(() => {
    const flush = () => {
      for (const id of [...waiting.current.keys()]) commit(id, true);
    };
    window.addEventListener("pagehide", flush);
    return () => window.removeEventListener("pagehide", flush);
  }, [commit]);

  const [adding, setAdding] = useState<Adding[]>([]);
  const sequence = useRef(0);

  const actions: Omit<TaskMutations, "adding"> = {
    create: (input) => {
      const key = `adding-${(sequence.current += 1)}`;
      setAdding((current) => [{ key, input }, ...current]);
      create.mutate(input, {
        onSettled: () => setAdding((current) => current.filter((item) => item.key !== key)),
      });
    },
    update: (task, changes) => update.mutate({ task, changes }),
    toggle: (task) => toggle.mutate(task),
    remove: (task) => {
      const toastId = `delete-${(toasts.current += 1)}`;
      waiting.current.set(task.id, { task, toastId });
      applyChange(queryClient, { before: task, after: null }, today);
      toast(`Deleted “${task.title}”`, {
        id: toastId,
        duration: UNDO_MS,
        action: { label: "Undo", onClick: () => undo(task.id) },
        onAutoClose: () => commit(task.id),
        onDismiss: () => commit(task.id),
      });
    },
    undoLast: () => {
      const last = [...waiting.current.keys()].at(-1);
      return last ? undo(last) : false;
    },
  };
  // Stable functions, so rows (memoised) do not re-render for every change of the board.
  const latest = useRef(actions);
  useEffect(() => {
    latest.current = actions;
  });
  const stable = useMemo<Omit<TaskMutations, "adding">>(
    () => ({
      create: (input) => latest.current.create(input),
      update: (task, changes) => latest.current.update(task, changes),
      toggle: (task) => latest.current.toggle(task),
      remove: (task) => latest.current.remove(task),
      undoLast: () => latest.current.undoLast(),
    }),
    [],
  );
  return { ...stable, adding };
}
