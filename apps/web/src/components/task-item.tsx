"use client";
import { AlarmClock, CalendarDays, ChevronRight, Pencil, Repeat, Trash2 } from "lucide-react";
import { memo } from "react";
import type { ListAnswer, MemberAnswer } from "@taskbridge/shared/list-mini";
import type { TaskAnswer } from "@taskbridge/shared/task-mini";
import { ListSwatch } from "@/components/list-nav";
import { Button } from "@/components/ui/button";
import { describeDate, describeTime, isOverdue } from "@/lib/dates";
import { describeRecurrence } from "@/lib/recurrence";
import { cn } from "@/lib/utils";

/** "AL" for Ada Lovelace: the first letters of the first and last words of a name. */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const first = words[0]?.[0] ?? "?";
  const last = words.length > 1 ? (words.at(-1)?.[0] ?? "") : "";
  return `${first}${last}`.toUpperCase();
}

// Subtasks are indented by their depth below the top task (at most 3 levels below it).
const INDENT = ["", "ml-6", "ml-12", "ml-18"];

/** One task: a single line unless it has a description. */
export const TaskItem = memo(function TaskItem({
  task,
  today,
  saving = false,
  readOnly = false,
  depth = 0,
  expanded,
  assignee,
  list,
  onToggle,
  onEdit,
  onDelete,
  onExpand,
}: {
  task: TaskAnswer;
  today: string;
  /** Shown before the API has answered; it can be changed once it has. */
  saving?: boolean;
  /** In a list the person can only view (or an archived one): nothing on it changes the task. */
  readOnly?: boolean;
  /** How far below a task shown above it this one is (a subtask: 1 and more). */
  depth?: number;
  /** Whether its subtasks shown below it are open; undefined when none are shown. */
  expanded?: boolean;
  assignee?: MemberAnswer;
  /** The list it is in, named on the row where the board shows several lists. */
  list?: ListAnswer;
  onToggle?: (task: TaskAnswer) => void;
  onEdit?: (task: TaskAnswer) => void;
  onDelete?: (task: TaskAnswer) => void;
  onExpand?: (task: TaskAnswer) => void;
}) {
  const overdue = isOverdue(task, today);
  const checkbox = `task-${task.id}`;
  return (
    <li
      className={cn(
        "group flex items-center gap-2 rounded-md border border-transparent px-2 py-1.5 hover:bg-accent/50 focus-visible:border-ring focus-visible:outline-none",
        saving && "opacity-70",
        INDENT[Math.min(depth, INDENT.length - 1)],
      )}
      data-testid="task-item"
      data-task-id={saving ? undefined : task.id}
      tabIndex={saving ? undefined : -1}
      aria-busy={saving}
    >
      <span className="flex size-6 shrink-0 items-center justify-center pointer-coarse:size-11">
        <input
          id={checkbox}
          type="checkbox"
          className="size-4 accent-primary pointer-coarse:size-6"
          checked={task.completed}
          onChange={() => onToggle?.(task)}
          disabled={saving || readOnly}
        />
      </span>
      <div className="grid min-w-0 flex-1 gap-0.5">
        <div className="flex min-w-0 flex-wrap items-baseline gap-x-2 gap-y-0.5">
          <label
            htmlFor={checkbox}
            className={cn(
              "min-w-0 break-words",
              task.completed && "text-muted-foreground line-through",
            )}
          >
            {task.title}
          </label>
          <span className="flex flex-wrap items-center gap-x-2 text-xs text-muted-foreground">
            {task.subtask_count > 0 ? (
              <span className="tabular-nums">
                {task.completed_subtask_count}/{task.subtask_count}
                <span className="sr-only"> subtasks done</span>
              </span>
            ) : null}
            {list ? (
              <span className="inline-flex items-center gap-1">
                <ListSwatch color={list.color} className="size-2" />
                <span className="sr-only">In </span>
                {list.name}
              </span>
            ) : null}
            {task.priority !== "medium" ? (
              <span
                className={cn(
                  "font-medium",
                  task.priority === "high" ? "text-destructive" : "text-muted-foreground",
                )}
              >
                {task.priority === "high" ? "High" : "Low"}
              </span>
            ) : null}
            {task.due_date ? (
              <span
                className={cn(
                  "inline-flex items-center gap-1",
                  overdue && "font-semibold text-destructive",
                )}
              >
                <CalendarDays aria-hidden className="size-3" />
                {overdue ? "Overdue · " : ""}
                {describeDate(task.due_date, today)}
                {task.due_time ? ` ${describeTime(task.due_time)}` : ""}
              </span>
            ) : null}
            {task.recurrence ? (
              <span className="inline-flex items-center gap-1">
                <Repeat aria-hidden className="size-3" />
                {describeRecurrence(task.recurrence)}
              </span>
            ) : null}
            {task.remind_at && !task.reminded_at ? (
              <span className="inline-flex items-center gap-1">
                <AlarmClock aria-hidden className="size-3" />
                <span className="sr-only">Reminder </span>
                {new Date(task.remind_at).toLocaleString(undefined, {
                  month: "short",
                  day: "numeric",
                  hour: "numeric",
                  minute: "2-digit",
                })}
              </span>
            ) : null}
            {task.tags.map((tag) => (
              <span key={tag}>#{tag}</span>
            ))}
          </span>
        </div>
        {task.description ? (
          <p className="truncate text-sm text-muted-foreground">{task.description}</p>
        ) : null}
      </div>
      {assignee ? (
        <span
          role="img"
          aria-label={assignee.name}
          title={`Assigned to ${assignee.name}`}
          className="flex size-7 shrink-0 items-center justify-center rounded-full bg-muted text-xs font-semibold"
        >
          {initials(assignee.name)}
        </span>
      ) : null}
      {expanded !== undefined ? (
        <Button
          variant="ghost"
          size="icon"
          aria-label={`Subtasks of “${task.title}”`}
          aria-expanded={expanded}
          onClick={() => onExpand?.(task)}
        >
          <ChevronRight
            aria-hidden
            className={cn("transition-transform", expanded && "rotate-90")}
          />
        </Button>
      ) : null}
      {readOnly ? null : (
        <>
          <Button
            variant="ghost"
            size="icon"
            aria-label={`Edit “${task.title}”`}
            onClick={() => onEdit?.(task)}
            disabled={saving}
          >
            <Pencil aria-hidden />
          </Button>
          <Button
            variant="ghost"
            size="icon"
            aria-label={`Delete “${task.title}”`}
            onClick={() => onDelete?.(task)}
            disabled={saving}
          >
            <Trash2 aria-hidden />
          </Button>
        </>
      )}
    </li>
  );
});
