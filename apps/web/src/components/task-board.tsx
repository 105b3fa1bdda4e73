"use client";
import { Keyboard } from "lucide-react";
import { useRouter } from "next/navigation";
import { lazy, Suspense, useEffect, useMemo, useRef, useState } from "react";
import type { TaskAnswer } from "@taskbridge/shared/task-mini";
import { QuickAdd } from "@/components/quick-add";
import { TaskFilters } from "@/components/task-filters";
import { TaskList, taskRows, type TaskGroup } from "@/components/task-list";
import { ViewNav } from "@/components/view-nav";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { useBoardUrl } from "@/hooks/use-board-url";
import { useLiveTasks } from "@/hooks/use-live-tasks";
import { useShortcuts } from "@/hooks/use-shortcuts";
import { useTaskList, useTaskStats } from "@/hooks/use-task-queries";
import { describeError, useTaskMutations, type Adding } from "@/hooks/use-task-mutations";
import { useToday } from "@/hooks/use-today";
import { describeDate } from "@/lib/dates";
import { changedFields, draftToInput, taskToDraft } from "@/lib/task-draft";
import { listParams, VIEW_LABELS, type View } from "@/lib/views";

// The edit form and the shortcut list open on demand; they are not part of the first load.
const TaskForm = lazy(() =>
  import("@/components/task-form").then((module) => ({ default: module.TaskForm })),
);
const ShortcutsDialog = lazy(() =>
  import("@/components/shortcuts-dialog").then((module) => ({ default: module.ShortcutsDialog })),
);

/** How a task being added looks until the API has answered with the real one. */
function preview({ key, input }: Adding): TaskAnswer {
  const now = new Date().toISOString();
  return {
    id: key,
    user_id: "",
    title: input.title,
    description: input.description,
    completed: false,
    priority: input.priority,
    due_date: input.due_date,
    due_time: input.due_time ?? null,
    recurrence: input.recurrence ?? null,
    remind_at: input.remind_at ?? null,
    reminded_at: null,
    previous_id: null,
    // The Inbox until the API answers (the board adds to the Inbox).
    list_id: "",
    parent_id: null,
    assignee_id: null,
    created_by: null,
    subtask_count: 0,
    completed_subtask_count: 0,
    tags: input.tags,
    created_at: now,
    updated_at: now,
  };
}

function groupTasks(view: View, tasks: TaskAnswer[], today: string): TaskGroup[] {
  if (view === "today") {
    const overdue = tasks.filter((task) => task.due_date !== null && task.due_date < today);
    const due = tasks.filter((task) => task.due_date === null || task.due_date >= today);
    return [
      ...(overdue.length ? [{ heading: "Overdue", tasks: overdue }] : []),
      ...(due.length || !overdue.length ? [{ heading: "Due today", tasks: due }] : []),
    ];
  }
  if (view === "upcoming") {
    const groups: TaskGroup[] = [];
    for (const task of tasks) {
      const heading = task.due_date ? describeDate(task.due_date, today) : "No date";
      const last = groups.at(-1);
      if (last?.heading === heading) last.tasks.push(task);
      else groups.push({ heading, tasks: [task] });
    }
    return groups;
  }
  return [{ heading: null, tasks }];
}

function focusedTaskId(): string | null {
  const row = document.activeElement?.closest("li[data-task-id]");
  return row instanceof HTMLElement ? (row.dataset.taskId ?? null) : null;
}

/** The task board: views with counts, quick add, filters, the list, and its keyboard. */
export function TaskBoard() {
  const router = useRouter();
  const today = useToday();
  const { view, filters, setFilters, viewHref } = useBoardUrl();
  const params = useMemo(() => listParams(view, filters, today), [view, filters, today]);
  const list = useTaskList(params);
  const stats = useTaskStats(today);
  const own = useLiveTasks();
  const actions = useTaskMutations(today, own);
  const titleRef = useRef<HTMLInputElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const focusSearch = useRef(false);
  const [editing, setEditing] = useState<TaskAnswer | null>(null);
  const [help, setHelp] = useState(false);

  const tasks = useMemo(() => list.data?.pages.flatMap((page) => page.tasks) ?? [], [list.data]);
  const groups = groupTasks(view, tasks, today);
  const adding = actions.adding.map(preview);
  const filtered = view === "all" || view === "completed";

  // `/` from a view without a search field goes to All and searches there.
  useEffect(() => {
    if (filtered && focusSearch.current) {
      focusSearch.current = false;
      searchRef.current?.focus();
    }
  }, [filtered]);

  const current = () => {
    const id = focusedTaskId();
    return id ? tasks.find((task) => task.id === id) : undefined;
  };
  const move = (step: number) => {
    const rows = taskRows();
    const at = rows.findIndex((row) => row.dataset.taskId === focusedTaskId());
    const next = at < 0 ? (step > 0 ? rows[0] : rows.at(-1)) : rows[at + step];
    next?.focus();
    next?.scrollIntoView({ block: "nearest" });
  };
  const withCurrent = (act: (task: TaskAnswer) => void) => () => {
    const task = current();
    if (task) act(task);
  };
  useShortcuts({
    n: () => titleRef.current?.focus(),
    "/": () => {
      if (filtered) searchRef.current?.focus();
      else {
        focusSearch.current = true;
        router.push(viewHref("all"), { scroll: false });
      }
    },
    j: () => move(1),
    k: () => move(-1),
    x: withCurrent(actions.toggle),
    e: withCurrent(setEditing),
    Delete: withCurrent(actions.remove),
    z: () => void actions.undoLast(),
    "?": () => setHelp(true),
  });

  const closeEditor = (id: string) => {
    setEditing(null);
    // The dialog gives focus back to what opened it; if the edit moved the task out of this
    // view, that is gone, and the task now in its place (or the first) takes it.
    requestAnimationFrame(() => {
      if (document.activeElement && document.activeElement !== document.body) return;
      const rows = taskRows();
      (rows.find((row) => row.dataset.taskId === id) ?? rows[0] ?? titleRef.current)?.focus();
    });
  };

  const emptyText =
    stats.data?.all === 0
      ? "No tasks yet. Add your first one above."
      : view === "today"
        ? "Nothing due today."
        : view === "upcoming"
          ? "Nothing planned ahead."
          : view === "completed"
            ? "No completed tasks match."
            : "No tasks match these filters.";

  return (
    <div className="grid gap-5">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-2xl font-semibold tracking-tight">{VIEW_LABELS[view]}</h1>
        <Button
          variant="ghost"
          size="sm"
          className="hidden pointer-fine:inline-flex"
          onClick={() => setHelp(true)}
        >
          <Keyboard aria-hidden />
          Keyboard shortcuts
        </Button>
      </div>
      <ViewNav view={view} stats={stats.data} hrefOf={viewHref} />

      <section aria-label="Add a task" className="rounded-lg border bg-card p-3 shadow-sm sm:p-4">
        <QuickAdd
          titleRef={titleRef}
          today={today}
          defaultDate={view === "today" ? today : null}
          onAdd={actions.create}
        />
      </section>

      {filtered ? (
        <TaskFilters
          filters={filters}
          onChange={setFilters}
          searchRef={searchRef}
          showSort={view === "all"}
        />
      ) : null}

      {list.isPending ? (
        <p role="status" className="text-muted-foreground">
          Loading your tasks…
        </p>
      ) : list.isError ? (
        <div
          role="alert"
          className="grid justify-items-start gap-2 rounded-md border border-destructive p-4"
        >
          <p>Your tasks could not be loaded: {describeError(list.error)}</p>
          <Button variant="outline" onClick={() => void list.refetch()}>
            Try again
          </Button>
        </div>
      ) : tasks.length === 0 && adding.length === 0 ? (
        <p className="rounded-md border border-dashed p-8 text-center text-muted-foreground">
          {emptyText}
        </p>
      ) : (
        <TaskList
          groups={groups.length ? groups : [{ heading: null, tasks: [] }]}
          pending={adding}
          today={today}
          onToggle={actions.toggle}
          onEdit={setEditing}
          onDelete={actions.remove}
        />
      )}
      {list.hasNextPage ? (
        <Button
          variant="outline"
          className="justify-self-center"
          disabled={list.isFetchingNextPage}
          onClick={() => void list.fetchNextPage()}
        >
          {list.isFetchingNextPage ? "Loading…" : "Show more"}
        </Button>
      ) : null}

      <Dialog
        open={editing !== null}
        onClose={() => editing && closeEditor(editing.id)}
        title="Edit task"
        className="max-w-2xl"
      >
        {editing ? (
          <Suspense fallback={<p className="text-muted-foreground">Loading…</p>}>
            <TaskForm
              key={editing.id}
              initial={taskToDraft(editing)}
              onCancel={() => closeEditor(editing.id)}
              onSubmit={(draft) => {
                const changes = changedFields(editing, draftToInput(draft));
                if (Object.keys(changes).length > 0) actions.update(editing, changes);
                closeEditor(editing.id);
              }}
            />
          </Suspense>
        ) : null}
      </Dialog>
      {help ? (
        <Suspense fallback={null}>
          <ShortcutsDialog open onClose={() => setHelp(false)} />
        </Suspense>
      ) : null}
    </div>
  );
}
