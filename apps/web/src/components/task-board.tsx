"use client";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { CalendarClock, Pencil, Search, Trash2 } from "lucide-react";
import { useEffect, useRef, useState } from "react";
import { toast } from "sonner";
import type { TaskListQuery, TaskUpdate } from "@taskbridge/shared/task";
import { PRIORITIES, SORTS, STATUSES, type Task } from "@taskbridge/shared/task-rules";
import { useApi } from "@/components/providers";
import { TaskForm } from "@/components/task-form";
import { Button } from "@/components/ui/button";
import { Badge, Card } from "@/components/ui/card";
import { Dialog } from "@/components/ui/dialog";
import { Input, Label, Select } from "@/components/ui/input";
import { ApiError } from "@/lib/api-client";
import {
  draftToInput,
  isOverdue,
  mapTasks,
  prependTask,
  taskToDraft,
  type TaskPages,
} from "@/lib/task-cache";
import { cn } from "@/lib/utils";

type Filters = Required<Pick<TaskListQuery, "status" | "sort">> & {
  priority: string;
  tag: string;
  q: string;
};
const PAGE = 50;
/** The owner of a task shown before the API confirmed it: it cannot be changed until then. */
const UNSAVED = "";

function describe(error: unknown): string {
  if (error instanceof ApiError) return error.detail;
  return error instanceof Error ? error.message : "Something went wrong.";
}

/** How many tasks have a status ("500+" past one page of the largest size). */
function useCount(status: "pending" | "completed") {
  const api = useApi();
  return useQuery({
    queryKey: ["tasks", "count", status],
    queryFn: async () => {
      const page = await api.listTasks({ status, limit: 500 });
      return `${page.tasks.length}${page.nextCursor ? "+" : ""}`;
    },
  });
}

/** `value` if it is one of `allowed`, else `fallback`: select elements hand back plain strings. */
function oneOf<T extends string>(value: string, allowed: readonly T[], fallback: T): T {
  return allowed.find((item) => item === value) ?? fallback;
}

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

export function TaskBoard() {
  const api = useApi();
  const queryClient = useQueryClient();
  const titleRef = useRef<HTMLInputElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const [filters, setFilters] = useState<Filters>({
    status: "all",
    sort: "-created",
    priority: "",
    tag: "",
    q: "",
  });
  const [editing, setEditing] = useState<Task | null>(null);
  const q = useDebounced(filters.q.trim(), 250);
  const query: TaskListQuery = {
    status: filters.status,
    sort: filters.sort,
    priority: filters.priority === "" ? undefined : oneOf(filters.priority, PRIORITIES, "medium"),
    tag: filters.tag.trim() || undefined,
    q: q || undefined,
    limit: PAGE,
  };
  const listKey = ["tasks", "list", query] as const;

  const list = useInfiniteQuery({
    queryKey: listKey,
    queryFn: ({ pageParam }) => api.listTasks(query, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const pending = useCount("pending");
  const completed = useCount("completed");

  // Changes from other tabs and devices arrive on the live stream.
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    void api.follow(() => {
      clearTimeout(timer);
      timer = setTimeout(() => void queryClient.invalidateQueries({ queryKey: ["tasks"] }), 300);
    }, controller.signal);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [api, queryClient]);

  // `n` starts a new task and `/` searches, unless the user is typing somewhere.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target;
      if (event.metaKey || event.ctrlKey || event.altKey) return;
      if (
        target instanceof HTMLElement &&
        (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))
      )
        return;
      if (event.key === "n") {
        event.preventDefault();
        titleRef.current?.focus();
      } else if (event.key === "/") {
        event.preventDefault();
        searchRef.current?.focus();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  /** Applies a change to every cached list at once; returns how to undo it. */
  const optimistic = (change: (data: TaskPages | undefined) => TaskPages | undefined) => {
    // Shown at once; a list fetch already under way is cancelled so it cannot overwrite the
    // change, and every list is fetched again when the request settles.
    const snapshot = queryClient.getQueriesData<TaskPages>({ queryKey: ["tasks", "list"] });
    queryClient.setQueriesData<TaskPages>({ queryKey: ["tasks", "list"] }, change);
    void queryClient.cancelQueries({ queryKey: ["tasks", "list"] });
    return () => snapshot.forEach(([key, data]) => queryClient.setQueryData(key, data));
  };
  const settle = () => queryClient.invalidateQueries({ queryKey: ["tasks"] });

  const create = useMutation({
    mutationFn: (input: Parameters<typeof api.createTask>[0]) => api.createTask(input),
    onMutate: async (input) => {
      const now = new Date().toISOString();
      const temp: Task = {
        id: `00000000-0000-4000-8000-${Date.now().toString(16).padStart(12, "0").slice(-12)}`,
        user_id: UNSAVED,
        title: input.title,
        description: input.description ?? null,
        completed: false,
        priority: input.priority ?? "medium",
        due_date: input.due_date ? new Date(input.due_date).toISOString().slice(0, 10) : null,
        due_time: null,
        tags: input.tags ?? [],
        recurrence: null,
        previous_id: null,
        remind_at: null,
        reminded_at: null,
        created_at: now,
        updated_at: now,
      };
      return { rollback: optimistic((data) => prependTask(data, temp)) };
    },
    onError: (error, _input, context) => {
      context?.rollback();
      toast.error(`Could not add the task: ${describe(error)}`);
    },
    onSettled: settle,
  });

  const update = useMutation({
    mutationFn: ({ id, input }: { id: string; input: TaskUpdate }) => api.updateTask(id, input),
    onMutate: async ({ id, input }) => ({
      rollback: optimistic((data) =>
        mapTasks(data, (task) =>
          task.id === id
            ? {
                ...task,
                ...(input.title !== undefined ? { title: input.title } : {}),
                ...(input.description !== undefined ? { description: input.description } : {}),
                ...(input.priority !== undefined ? { priority: input.priority } : {}),
                ...(input.tags !== undefined ? { tags: input.tags } : {}),
                ...(input.due_date !== undefined
                  ? {
                      due_date: input.due_date
                        ? new Date(input.due_date).toISOString().slice(0, 10)
                        : null,
                    }
                  : {}),
              }
            : task,
        ),
      ),
    }),
    onError: (error, _input, context) => {
      context?.rollback();
      toast.error(`Could not save the task: ${describe(error)}`);
    },
    onSettled: settle,
  });

  const toggle = useMutation({
    mutationFn: ({ id, completed: done }: { id: string; completed: boolean }) =>
      api.setCompleted(id, done),
    onMutate: async ({ id, completed: done }) => ({
      rollback: optimistic((data) =>
        mapTasks(data, (task) => (task.id === id ? { ...task, completed: done } : task)),
      ),
    }),
    onError: (error, _input, context) => {
      context?.rollback();
      toast.error(`Could not update the task: ${describe(error)}`);
    },
    onSettled: settle,
  });

  const remove = useMutation({
    mutationFn: (task: Task) => api.deleteTask(task.id),
    onMutate: async (task) => ({
      rollback: optimistic((data) => mapTasks(data, (t) => (t.id === task.id ? null : t))),
    }),
    onError: (error, _task, context) => {
      context?.rollback();
      toast.error(`Could not delete the task: ${describe(error)}`);
    },
    onSuccess: (_result, task) => {
      toast.success(`Deleted “${task.title}”`, {
        action: {
          label: "Undo",
          onClick: () =>
            create.mutate({
              title: task.title,
              description: task.description,
              priority: task.priority,
              due_date: task.due_date,
              tags: task.tags,
              completed: task.completed,
            }),
        },
      });
    },
    onSettled: settle,
  });

  const tasks = list.data?.pages.flatMap((page) => page.tasks) ?? [];
  const filtered =
    filters.status !== "all" || filters.priority !== "" || filters.tag !== "" || q !== "";

  return (
    <div className="grid gap-6">
      <div className="flex flex-wrap items-end justify-between gap-2">
        <h1 className="text-2xl font-semibold tracking-tight">Tasks</h1>
        <p className="text-sm text-muted-foreground" aria-live="polite">
          <span data-testid="pending-count">{pending.data ?? "…"}</span> pending ·{" "}
          <span data-testid="completed-count">{completed.data ?? "…"}</span> completed
        </p>
      </div>

      <Card aria-labelledby="new-task-heading">
        <h2 id="new-task-heading" className="mb-3 text-base font-semibold">
          New task <span className="font-normal text-muted-foreground">(press n)</span>
        </h2>
        <TaskForm
          compact
          draftKey="taskbridge:new-task"
          titleRef={titleRef}
          submitLabel="Add task"
          onSubmit={(draft) => {
            create.mutate(draftToInput(draft));
            return true;
          }}
        />
      </Card>

      <section aria-label="Filters" className="grid grid-cols-2 gap-3 sm:grid-cols-5">
        <div className="col-span-2 grid gap-1">
          <Label htmlFor="search">Search (press /)</Label>
          <div className="relative">
            <Search
              aria-hidden
              className="pointer-events-none absolute left-3 top-3 size-4 text-muted-foreground"
            />
            <Input
              id="search"
              ref={searchRef}
              type="search"
              className="pl-9"
              value={filters.q}
              onChange={(e) => setFilters({ ...filters, q: e.target.value })}
              placeholder="Title or description"
            />
          </div>
        </div>
        <div className="grid gap-1">
          <Label htmlFor="status-filter">Status</Label>
          <Select
            id="status-filter"
            value={filters.status}
            onChange={(e) =>
              setFilters({
                ...filters,
                status: oneOf(e.target.value, STATUSES, "all"),
              })
            }
          >
            <option value="all">All</option>
            <option value="pending">Pending</option>
            <option value="completed">Completed</option>
          </Select>
        </div>
        <div className="grid gap-1">
          <Label htmlFor="priority-filter">Priority</Label>
          <Select
            id="priority-filter"
            value={filters.priority}
            onChange={(e) => setFilters({ ...filters, priority: e.target.value })}
          >
            <option value="">Any</option>
            <option value="high">High</option>
            <option value="medium">Medium</option>
            <option value="low">Low</option>
          </Select>
        </div>
        <div className="grid gap-1">
          <Label htmlFor="sort">Sort by</Label>
          <Select
            id="sort"
            value={filters.sort}
            onChange={(e) =>
              setFilters({ ...filters, sort: oneOf(e.target.value, SORTS, "-created") })
            }
          >
            <option value="-created">Newest first</option>
            <option value="created">Oldest first</option>
            <option value="due_date">Due date</option>
            <option value="-priority">Priority</option>
            <option value="title">Title</option>
          </Select>
        </div>
        <div className="grid gap-1 sm:col-span-2">
          <Label htmlFor="tag-filter">Tag</Label>
          <Input
            id="tag-filter"
            value={filters.tag}
            onChange={(e) => setFilters({ ...filters, tag: e.target.value })}
            placeholder="Any tag"
          />
        </div>
      </section>

      {list.isPending ? (
        <p role="status" className="text-muted-foreground">
          Loading your tasks…
        </p>
      ) : list.isError ? (
        <div
          role="alert"
          className="grid justify-items-start gap-2 rounded-md border border-destructive p-4"
        >
          <p>Your tasks could not be loaded: {describe(list.error)}</p>
          <Button variant="outline" onClick={() => void list.refetch()}>
            Try again
          </Button>
        </div>
      ) : tasks.length === 0 ? (
        <p className="rounded-md border border-dashed p-8 text-center text-muted-foreground">
          {filtered ? "No tasks match these filters." : "No tasks yet. Add your first one above."}
        </p>
      ) : (
        <ul aria-label="Your tasks" className="grid gap-2">
          {tasks.map((task) => (
            <TaskItem
              key={task.id}
              task={task}
              onToggle={() => toggle.mutate({ id: task.id, completed: !task.completed })}
              onEdit={() => setEditing(task)}
              onDelete={() => remove.mutate(task)}
            />
          ))}
        </ul>
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

      <Dialog open={editing !== null} onClose={() => setEditing(null)} title="Edit task">
        {editing ? (
          <TaskForm
            key={editing.id}
            initial={taskToDraft(editing)}
            submitLabel="Save changes"
            onSubmit={(draft) => {
              update.mutate({ id: editing.id, input: draftToInput(draft) });
              setEditing(null);
              return true;
            }}
          />
        ) : null}
      </Dialog>
    </div>
  );
}

function TaskItem({
  task,
  onToggle,
  onEdit,
  onDelete,
}: {
  task: Task;
  onToggle: () => void;
  onEdit: () => void;
  onDelete: () => void;
}) {
  const overdue = isOverdue(task);
  const checkbox = `task-${task.id}`;
  const saving = task.user_id === UNSAVED;
  return (
    <li
      className={cn(
        "flex items-start gap-3 rounded-lg border p-3",
        overdue && "border-destructive",
        saving && "opacity-70",
      )}
      data-testid="task-item"
      aria-busy={saving}
    >
      <input
        id={checkbox}
        type="checkbox"
        className="mt-1 size-5 accent-primary"
        checked={task.completed}
        onChange={onToggle}
        disabled={saving}
      />
      <div className="grid min-w-0 flex-1 gap-1">
        <label
          htmlFor={checkbox}
          className={cn(
            "break-words font-medium",
            task.completed && "text-muted-foreground line-through",
          )}
        >
          {task.title}
        </label>
        {task.description ? (
          <p className="break-words text-sm text-muted-foreground">{task.description}</p>
        ) : null}
        <div className="flex flex-wrap items-center gap-1.5 text-xs">
          <Badge className={cn(task.priority === "high" && "border-destructive text-destructive")}>
            {task.priority} priority
          </Badge>
          {task.due_date ? (
            <Badge
              className={cn(
                overdue && "border-destructive bg-destructive text-destructive-foreground",
              )}
            >
              <CalendarClock aria-hidden className="mr-1 size-3" />
              {overdue ? "Overdue: " : "Due "}
              {new Date(task.due_date).toLocaleDateString(undefined, { timeZone: "UTC" })}
            </Badge>
          ) : null}
          {task.tags.map((tag) => (
            <Badge key={tag} className="bg-muted">
              #{tag}
            </Badge>
          ))}
        </div>
      </div>
      <Button
        variant="ghost"
        size="icon"
        aria-label={`Edit “${task.title}”`}
        onClick={onEdit}
        disabled={saving}
      >
        <Pencil aria-hidden />
      </Button>
      <Button
        variant="ghost"
        size="icon"
        aria-label={`Delete “${task.title}”`}
        onClick={onDelete}
        disabled={saving}
      >
        <Trash2 aria-hidden />
      </Button>
    </li>
  );
}
