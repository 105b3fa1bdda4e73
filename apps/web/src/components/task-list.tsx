"use client";
import { useLayoutEffect, useRef } from "react";
import type { TaskAnswer } from "@taskbridge/shared/task-mini";
import type { ListAnswer, MemberAnswer } from "@taskbridge/shared/list-mini";
import { TaskItem } from "@/components/task-item";
import { treeRows, type Row } from "@/lib/task-tree";

export interface TaskGroup {
  /** A heading over the group; a single group without one is one plain list. */
  heading: string | null;
  tasks: TaskAnswer[];
}

/** What the board knows of a task beyond the task itself: its list, its assignee, its rights. */
export interface RowContext {
  readOnly: boolean;
  assignee?: MemberAnswer;
  list?: ListAnswer;
}

/** Every row of the board that can hold focus, in order. */
export function taskRows(): HTMLElement[] {
  return [...document.querySelectorAll<HTMLElement>("li[data-task-id]")];
}

/**
 * The board's tasks, in groups. When an action takes the focused task away (done in Today,
 * deleted, moved by an edit), focus goes to the task now in its place instead of the page.
 */
export function TaskList({
  groups,
  pending,
  today,
  collapsed,
  contextOf,
  onToggle,
  onEdit,
  onDelete,
  onExpand,
}: {
  groups: TaskGroup[];
  pending: TaskAnswer[];
  today: string;
  collapsed: ReadonlySet<string>;
  contextOf: (task: TaskAnswer) => RowContext;
  onToggle: (task: TaskAnswer) => void;
  onEdit: (task: TaskAnswer) => void;
  onDelete: (task: TaskAnswer) => void;
  onExpand: (task: TaskAnswer) => void;
}) {
  const root = useRef<HTMLDivElement>(null);
  const lastFocused = useRef<number | null>(null);

  useLayoutEffect(() => {
    const index = lastFocused.current;
    if (index === null) return;
    const active = document.activeElement;
    if (active && active !== document.body && document.contains(active)) return;
    const rows = taskRows();
    const next = rows[Math.min(index, rows.length - 1)];
    if (next) next.focus();
    else document.querySelector<HTMLElement>("input[name=title]")?.focus();
  });

  const onFocus = (event: React.FocusEvent) => {
    const row = event.target.closest("li[data-task-id]");
    lastFocused.current = row instanceof HTMLElement ? taskRows().indexOf(row) : null;
  };

  const onBlur = (event: React.FocusEvent) => {
    // Focus left for nothing (a click on the page): the person moved on. A row that was
    // removed while focused is no longer connected, and its place is kept.
    if (event.relatedTarget === null && event.target.isConnected) lastFocused.current = null;
  };

  const item = ({ task, depth, expanded }: Row, saving = false) => {
    const context = contextOf(task);
    return (
      <TaskItem
        key={task.id}
        task={task}
        today={today}
        saving={saving}
        readOnly={context.readOnly}
        assignee={context.assignee}
        list={context.list}
        depth={depth}
        expanded={expanded}
        onToggle={onToggle}
        onEdit={onEdit}
        onDelete={onDelete}
        onExpand={onExpand}
      />
    );
  };
  const adding = (task: TaskAnswer) => item({ task, depth: 0, expanded: undefined }, true);

  return (
    <div ref={root} onFocus={onFocus} onBlur={onBlur} className="grid gap-4">
      {groups.map((group, index) =>
        group.heading === null ? (
          <ul key="all" aria-label="Your tasks" className="grid">
            {index === 0 ? pending.map(adding) : null}
            {treeRows(group.tasks, collapsed).map((row) => item(row))}
          </ul>
        ) : (
          <section key={group.heading} aria-labelledby={`group-${index}`} className="grid gap-1">
            <h2
              id={`group-${index}`}
              className={
                group.heading === "Overdue"
                  ? "text-sm font-semibold text-destructive"
                  : "text-sm font-semibold"
              }
            >
              {group.heading}{" "}
              <span className="font-normal text-muted-foreground">{group.tasks.length}</span>
            </h2>
            <ul aria-labelledby={`group-${index}`} className="grid">
              {index === 0 ? pending.map(adding) : null}
              {treeRows(group.tasks, collapsed).map((row) => item(row))}
            </ul>
          </section>
        ),
      )}
    </div>
  );
}
