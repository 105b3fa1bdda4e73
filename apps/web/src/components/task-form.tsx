"use client";
import { useState, type FormEvent } from "react";
import type { ListAnswer } from "@taskbridge/shared/list-mini";
import type { TaskAnswer } from "@taskbridge/shared/task-mini";
import { TaskFields } from "@/components/task-fields";
import { focusFirstError } from "@/lib/focus";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input, Select } from "@/components/ui/input";
import { useListMembers, useTaskList } from "@/hooks/use-task-queries";
import { revalidate, validateDraft, type DraftErrors, type TaskDraft } from "@/lib/task-draft";

/** Where a task is: its list and who it is assigned to. */
export interface Placement {
  listId: string;
  assigneeId: string | null;
}

/** The subtasks of a task being edited: each with its checkbox, and a field to add one. */
function Subtasks({
  task,
  onAdd,
  onToggle,
}: {
  task: TaskAnswer;
  onAdd: (title: string) => void;
  onToggle: (subtask: TaskAnswer) => void;
}) {
  const subtasks = useTaskList({ parent: task.id, sort: "created" });
  const [title, setTitle] = useState("");
  const loaded = subtasks.data?.pages.flatMap((page) => page.tasks) ?? [];
  const add = () => {
    const text = title.trim();
    if (!text) return;
    onAdd(text);
    setTitle("");
  };
  return (
    <section aria-labelledby="subtasks-heading" className="grid gap-2">
      <h3 id="subtasks-heading" className="text-sm font-medium">
        Subtasks
      </h3>
      {loaded.length > 0 ? (
        <ul className="grid gap-1">
          {loaded.map((subtask) => (
            <li key={subtask.id} className="flex items-center gap-2">
              <input
                id={`subtask-${subtask.id}`}
                type="checkbox"
                className="size-4 accent-primary pointer-coarse:size-6"
                checked={subtask.completed}
                onChange={() => onToggle(subtask)}
              />
              <label
                htmlFor={`subtask-${subtask.id}`}
                className={subtask.completed ? "text-muted-foreground line-through" : undefined}
              >
                {subtask.title}
              </label>
            </li>
          ))}
        </ul>
      ) : subtasks.isPending ? null : (
        <p className="text-sm text-muted-foreground">No subtasks yet.</p>
      )}
      <div className="flex gap-2">
        <Input
          aria-label="New subtask"
          placeholder="New subtask"
          value={title}
          maxLength={250}
          onChange={(event) => setTitle(event.target.value)}
          onKeyDown={(event) => {
            // Enter adds the subtask; it does not save the task.
            if (event.key === "Enter") {
              event.preventDefault();
              add();
            }
          }}
        />
        <Button type="button" variant="outline" onClick={add}>
          Add subtask
        </Button>
      </div>
    </section>
  );
}

/** The list a task is in and, in a shared list, who it is assigned to. */
function PlacementFields({
  lists,
  placement,
  onChange,
}: {
  lists: ListAnswer[];
  placement: Placement;
  onChange: (placement: Placement) => void;
}) {
  const list = lists.find((candidate) => candidate.id === placement.listId);
  const members = useListMembers(list);
  const shared = list !== undefined && list.member_count > 1;
  return (
    <div className="grid gap-3 sm:grid-cols-2">
      {lists.length > 1 ? (
        <Field label="List">
          {(control) => (
            <Select
              {...control}
              name="list"
              value={placement.listId}
              // Another list has other members: the assignment does not come along.
              onChange={(event) => onChange({ listId: event.target.value, assigneeId: null })}
            >
              {lists.map((option) => (
                <option key={option.id} value={option.id}>
                  {option.name}
                </option>
              ))}
            </Select>
          )}
        </Field>
      ) : null}
      {shared ? (
        <Field label="Assignee">
          {(control) => (
            <Select
              {...control}
              name="assignee"
              value={placement.assigneeId ?? ""}
              onChange={(event) =>
                onChange({ ...placement, assigneeId: event.target.value || null })
              }
            >
              <option value="">Nobody</option>
              {(members.data ?? []).map((member) => (
                <option key={member.user_id} value={member.user_id}>
                  {member.name}
                </option>
              ))}
              {placement.assigneeId &&
              !members.data?.some((member) => member.user_id === placement.assigneeId) ? (
                <option value={placement.assigneeId}>{members.isPending ? "…" : "Someone"}</option>
              ) : null}
            </Select>
          )}
        </Field>
      ) : null}
    </div>
  );
}

/** The edit form: every field of a task, its list, assignee and subtasks, Save and Cancel. */
export function TaskForm({
  initial,
  task,
  lists = [],
  onSubmit,
  onCancel,
  onAddSubtask,
  onToggleSubtask,
}: {
  initial: TaskDraft;
  /** The task being edited. */
  task?: TaskAnswer;
  /** The lists it may be moved to (those the person can write in). */
  lists?: ListAnswer[];
  onSubmit: (draft: TaskDraft, placement: Placement | null) => void;
  onCancel: () => void;
  onAddSubtask?: (title: string) => void;
  onToggleSubtask?: (subtask: TaskAnswer) => void;
}) {
  const [draft, setDraft] = useState(initial);
  const [errors, setErrors] = useState<DraftErrors>({});
  const [placement, setPlacement] = useState<Placement | null>(
    task ? { listId: task.list_id, assigneeId: task.assignee_id } : null,
  );

  const change = (field: keyof TaskDraft, value: string) => {
    const next = { ...draft, [field]: value };
    setDraft(next);
    setErrors((current) => revalidate(current, next));
  };

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found = validateDraft(draft);
    setErrors(found);
    if (!focusFirstError(event.currentTarget, found)) onSubmit(draft, placement);
  }

  return (
    <form method="post" onSubmit={submit} noValidate className="grid gap-3">
      <Field label="Title" error={errors.title}>
        {(control) => (
          <Input
            {...control}
            name="title"
            // The dialog's content arrives after it opens: the title takes focus itself.
            autoFocus
            value={draft.title}
            onChange={(event) => change("title", event.target.value)}
            maxLength={250}
          />
        )}
      </Field>
      <TaskFields draft={draft} errors={errors} onChange={change} />
      {placement ? (
        <PlacementFields lists={lists} placement={placement} onChange={setPlacement} />
      ) : null}
      {task && onAddSubtask && onToggleSubtask ? (
        <Subtasks task={task} onAdd={onAddSubtask} onToggle={onToggleSubtask} />
      ) : null}
      <div className="flex flex-wrap justify-end gap-2">
        <Button type="button" variant="outline" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit">Save changes</Button>
      </div>
    </form>
  );
}
