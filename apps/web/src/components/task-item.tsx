"use client";
import { AlarmClock, CalendarDays, Pencil, Repeat, Trash2 } from "lucide-react";
import { memo } from "react";
import type { TaskAnswer } from "@taskbridge/shared/task-mini";
import { Button } from "@/components/ui/button";
import { describeDate, describeTime, isOverdue } from "@/lib/dates";
import { describeRecurrence } from "@/lib/recurrence";
import { cn } from "@/lib/utils";

/** One task: a single line unless it has a description. */
export const TaskItem = memo(function TaskItem({
  task,
  today,
  saving = false,
  onToggle,
  onEdit,
  onDelete,
}: {
  task: TaskAnswer;
  today: string;
  /** Shown before the API has answered; it can be changed once it has. */
  saving?: boolean;
  onToggle?: (task: TaskAnswer) => void;
  onEdit?: (task: TaskAnswer) => void;
  onDelete?: (task: TaskAnswer) => void;
}) {
  const overdue = isOverdue(task, today);
  const checkbox = `task-${task.id}`;
  return (
    <li
      className={cn(
        "group flex items-center gap-2 rounded-md border border-transparent px-2 py-1.5 hover:bg-accent/50 focus-visible:border-ring focus-visible:outline-none",
        saving && "opacity-70",
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
          disabled={saving}
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
    </li>
  );
});
