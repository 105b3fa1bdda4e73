"use client";
import { Eye, Keyboard, Menu as MenuIcon, MoreHorizontal, Plus } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { toast } from "@/lib/toast";
import type { ListAnswer } from "@taskbridge/shared/list-mini";
import type { TaskAnswer } from "@taskbridge/shared/task-mini";
import { ListNav, ListSwatch } from "@/components/list-nav";
import type { ListFormMode } from "@/components/list-dialogs";
import { useApi } from "@/components/providers";
import { QuickAdd } from "@/components/quick-add";
import { TaskFilters } from "@/components/task-filters";
import { TaskList, taskRows, type RowContext, type TaskGroup } from "@/components/task-list";
import { ViewNav } from "@/components/view-nav";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Menu, type MenuItem } from "@/components/ui/menu";
import { useBoardUrl } from "@/hooks/use-board-url";
import { useLiveTasks } from "@/hooks/use-live-tasks";
import { useShortcuts } from "@/hooks/use-shortcuts";
import {
  listsKey,
  useLists,
  useMembers,
  useTaskList,
  useTaskStats,
} from "@/hooks/use-task-queries";
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
const ListFormDialog = lazy(() =>
  import("@/components/list-dialogs").then((module) => ({ default: module.ListFormDialog })),
);
const DeleteListDialog = lazy(() =>
  import("@/components/list-dialogs").then((module) => ({ default: module.DeleteListDialog })),
);
const LeaveListDialog = lazy(() =>
  import("@/components/list-dialogs").then((module) => ({ default: module.LeaveListDialog })),
);
const ShareDialog = lazy(() =>
  import("@/components/share-dialog").then((module) => ({ default: module.ShareDialog })),
);

/** A dialog about one list, open over the board. */
type ListDialog =
  | { kind: ListFormMode; list?: ListAnswer }
  | { kind: "delete" | "leave" | "share"; list: ListAnswer };

/** Whether the person may change the tasks of a list: not a viewer, and not archived. */
const writable = (list: ListAnswer | undefined) =>
  list === undefined || (list.role !== "viewer" && !list.archived);

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
    // The Inbox until the API answers, unless a list was named.
    list_id: input.list_id ?? "",
    parent_id: input.parent_id ?? null,
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

/**
 * The options of the open list: the owner's, or a member's "Leave list"; anyone who can read it
 * may export it.
 */
function listMenu(
  list: ListAnswer,
  open: (dialog: ListDialog) => void,
  archive: () => void,
  exportCsv: () => void,
) {
  const exportItem = { label: "Export as Todoist CSV", onSelect: exportCsv };
  if (list.is_inbox) return [exportItem];
  if (list.role !== "owner")
    return [exportItem, { label: "Leave list", onSelect: () => open({ kind: "leave", list }) }];
  const items: MenuItem[] = [
    { label: "Rename", onSelect: () => open({ kind: "rename", list }) },
    { label: "Colour", onSelect: () => open({ kind: "colour", list }) },
    // An archived list is read-only: no one new is let in until it is back.
    ...(list.archived ? [] : [{ label: "Share", onSelect: () => open({ kind: "share", list }) }]),
    exportItem,
    { label: list.archived ? "Unarchive" : "Archive", onSelect: archive },
    { label: "Delete", onSelect: () => open({ kind: "delete", list }), destructive: true },
  ];
  return items;
}

/** The task board: views with counts, lists, quick add, filters, the tasks, and its keyboard. */
export function TaskBoard({ userId }: { userId: string }) {
  const router = useRouter();
  const api = useApi();
  const queryClient = useQueryClient();
  const today = useToday();
  const { view, filters, list: listId, setFilters, viewHref, listHref } = useBoardUrl();
  const lists = useLists();
  const listsById = useMemo(
    () => new Map((lists.data ?? []).map((list) => [list.id, list])),
    [lists.data],
  );
  const openList = listId ? listsById.get(listId) : undefined;
  // The open list is not among the person's lists: they left it or were removed, or it is gone.
  const lost = listId !== null && lists.data !== undefined && openList === undefined;
  const params = useMemo(
    () => listParams(view, filters, today, listId),
    [view, filters, today, listId],
  );
  const list = useTaskList(params, { enabled: !lost });
  const stats = useTaskStats(today);
  const own = useLiveTasks();
  const actions = useTaskMutations(today, own);
  const titleRef = useRef<HTMLInputElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const focusSearch = useRef(false);
  const [editing, setEditing] = useState<TaskAnswer | null>(null);
  const [help, setHelp] = useState(false);
  const [drawer, setDrawer] = useState(false);
  const [dialog, setDialog] = useState<ListDialog | null>(null);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());

  const tasks = useMemo(() => list.data?.pages.flatMap((page) => page.tasks) ?? [], [list.data]);
  const groups = groupTasks(listId ? "all" : view, tasks, today);
  const adding = actions.adding.map(preview);
  const filtered = listId !== null || view === "all" || view === "completed";
  const canAdd = writable(openList);
  const writableLists = useMemo(
    () => (lists.data ?? []).filter((candidate) => writable(candidate)),
    [lists.data],
  );

  // Assignees' names: the members of the shared lists whose tasks are shown with one.
  const sharedWithAssignees = useMemo(() => {
    const ids = new Set<string>();
    for (const task of tasks) {
      const of = listsById.get(task.list_id);
      if (task.assignee_id && of && of.member_count > 1) ids.add(of.id);
    }
    return [...ids].sort();
  }, [tasks, listsById]);
  const members = useMembers(sharedWithAssignees);
  const contextOf = useCallback(
    (task: TaskAnswer): RowContext => {
      const of = listsById.get(task.list_id);
      return {
        readOnly: !writable(of),
        assignee: task.assignee_id ? members.get(task.assignee_id) : undefined,
        // On a list's own page its name would say nothing; the Inbox goes unnamed everywhere.
        list: listId === null && of && !of.is_inbox ? of : undefined,
      };
    },
    [listsById, members, listId],
  );
  const expand = useCallback((task: TaskAnswer) => {
    setCollapsed((current) => {
      const next = new Set(current);
      if (!next.delete(task.id)) next.add(task.id);
      return next;
    });
  }, []);

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
    if (task && writable(listsById.get(task.list_id))) act(task);
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

  const archive = (target: ListAnswer) => {
    api
      .updateList(target.id, { archived: !target.archived })
      .then(() => {
        toast(target.archived ? `“${target.name}” is back` : `Archived “${target.name}”`);
        void queryClient.invalidateQueries({ queryKey: listsKey });
      })
      .catch((error: unknown) => toast.error(`Could not change the list: ${describeError(error)}`));
  };
  // The export's code comes when it is asked for: it is not part of the board's first load.
  const exportCsv = (target: ListAnswer) => {
    import("@/lib/transfer")
      .then(({ exportListCsv }) => exportListCsv(api, target))
      .catch((error: unknown) =>
        toast.error(`Could not export “${target.name}”: ${describeError(error)}`),
      );
  };
  const menuItems = openList
    ? listMenu(
        openList,
        setDialog,
        () => archive(openList),
        () => exportCsv(openList),
      )
    : [];

  const emptyText =
    openList !== undefined
      ? openList.task_count === 0 && !filters.q && !filters.tag && !filters.priority
        ? canAdd
          ? "No tasks in this list yet. Add the first one above."
          : "No tasks in this list yet."
        : "No tasks match these filters."
      : stats.data?.all === 0
        ? "No tasks yet. Add your first one above."
        : view === "today"
          ? "Nothing due today."
          : view === "upcoming"
            ? "Nothing planned ahead."
            : view === "completed"
              ? "No completed tasks match."
              : "No tasks match these filters.";

  const newListButton = (
    <Button
      variant="ghost"
      size="sm"
      className="justify-start"
      onClick={() => {
        setDrawer(false);
        setDialog({ kind: "create" });
      }}
    >
      <Plus aria-hidden />
      New list
    </Button>
  );

  return (
    <div className="grid gap-6 lg:grid-cols-[15rem_minmax(0,1fr)]">
      <aside className="grid content-start gap-4 lg:sticky lg:top-4" aria-label="Views and lists">
        <ViewNav view={listId ? null : view} stats={stats.data} hrefOf={viewHref} />
        <div className="hidden gap-2 lg:grid">
          <ListNav lists={lists.data} current={listId} hrefOf={listHref} />
          {newListButton}
        </div>
      </aside>

      <div className="grid min-w-0 content-start gap-5">
        <div className="flex flex-wrap items-center justify-between gap-2">
          <div className="flex min-w-0 flex-wrap items-center gap-2">
            {openList && !openList.is_inbox ? (
              <ListSwatch color={openList.color} className="size-3" />
            ) : null}
            <h1 className="min-w-0 break-words text-2xl font-semibold tracking-tight">
              {lost ? "List" : openList ? openList.name : listId ? "…" : VIEW_LABELS[view]}
            </h1>
            {openList && openList.role === "viewer" ? (
              <span className="inline-flex items-center gap-1 rounded-full border px-2 py-0.5 text-xs font-medium">
                <Eye aria-hidden className="size-3" />
                View only
              </span>
            ) : null}
            {openList?.archived ? (
              <span className="rounded-full border px-2 py-0.5 text-xs font-medium">Archived</span>
            ) : null}
            {openList && openList.role !== "owner" ? (
              <span className="text-sm text-muted-foreground">Shared by {openList.owner_name}</span>
            ) : null}
          </div>
          <div className="flex items-center gap-2">
            <Button
              variant="outline"
              size="sm"
              className="lg:hidden"
              onClick={() => setDrawer(true)}
            >
              <MenuIcon aria-hidden />
              Lists
            </Button>
            {menuItems.length > 0 ? (
              <Menu label="List options" icon={<MoreHorizontal aria-hidden />} items={menuItems} />
            ) : null}
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
        </div>

        {lost ? (
          <div role="alert" className="grid justify-items-start gap-2 rounded-md border p-4">
            <p>You no longer have access to this list.</p>
            <Link href={viewHref("today")} className="text-sm underline underline-offset-4">
              Go to Today
            </Link>
          </div>
        ) : (
          <>
            {canAdd ? (
              <section
                aria-label="Add a task"
                className="rounded-lg border bg-card p-3 shadow-sm sm:p-4"
              >
                <QuickAdd
                  titleRef={titleRef}
                  today={today}
                  defaultDate={view === "today" && !listId ? today : null}
                  lists={writableLists}
                  defaultListId={listId ?? undefined}
                  onAdd={actions.create}
                />
              </section>
            ) : null}

            {filtered ? (
              <TaskFilters
                filters={filters}
                onChange={setFilters}
                searchRef={searchRef}
                showSort={view === "all" || listId !== null}
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
                collapsed={collapsed}
                contextOf={contextOf}
                onToggle={actions.toggle}
                onEdit={setEditing}
                onDelete={actions.remove}
                onExpand={expand}
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
          </>
        )}
      </div>

      <Dialog
        open={drawer}
        onClose={() => setDrawer(false)}
        title="Lists"
        className="mt-0 mb-0 ml-0 h-dvh max-h-dvh w-80 max-w-[85vw] rounded-none"
      >
        {drawer ? (
          <div className="grid gap-2">
            <ListNav
              lists={lists.data}
              current={listId}
              hrefOf={listHref}
              onNavigate={() => setDrawer(false)}
              heading={false}
            />
            {newListButton}
          </div>
        ) : null}
      </Dialog>

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
              task={editing}
              lists={writableLists}
              onCancel={() => closeEditor(editing.id)}
              onAddSubtask={(title) =>
                actions.create({
                  title,
                  description: null,
                  priority: "medium",
                  due_date: null,
                  tags: [],
                  parent_id: editing.id,
                })
              }
              onToggleSubtask={actions.toggle}
              onSubmit={(draft, placement) => {
                const changes = changedFields(editing, draftToInput(draft));
                if (placement && placement.listId !== editing.list_id)
                  changes.list_id = placement.listId;
                if (placement && placement.assigneeId !== editing.assignee_id)
                  changes.assignee_id = placement.assigneeId;
                if (Object.keys(changes).length > 0) actions.update(editing, changes);
                closeEditor(editing.id);
              }}
            />
          </Suspense>
        ) : null}
      </Dialog>
      {dialog ? (
        <Suspense fallback={null}>
          {dialog.kind === "share" ? (
            <ShareDialog list={dialog.list} open onClose={() => setDialog(null)} />
          ) : dialog.kind === "delete" ? (
            <DeleteListDialog
              list={dialog.list}
              onClose={() => setDialog(null)}
              onDeleted={() => router.push(viewHref("today"), { scroll: false })}
            />
          ) : dialog.kind === "leave" ? (
            <LeaveListDialog
              list={dialog.list}
              userId={userId}
              onClose={() => setDialog(null)}
              onLeft={() => router.push(viewHref("today"), { scroll: false })}
            />
          ) : (
            <ListFormDialog
              mode={dialog.kind}
              list={dialog.list}
              onClose={() => setDialog(null)}
              onSaved={(saved) => {
                if (dialog.kind === "create") router.push(listHref(saved.id), { scroll: false });
              }}
            />
          )}
        </Suspense>
      ) : null}
      {help ? (
        <Suspense fallback={null}>
          <ShortcutsDialog open onClose={() => setHelp(false)} />
        </Suspense>
      ) : null}
    </div>
  );
}
