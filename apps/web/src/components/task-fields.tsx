"use client";
import { useEffect, useState } from "react";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input, Select, Textarea } from "@/components/ui/input";
import { PRIORITIES } from "@taskbridge/shared/task-rules";
import { COMMON_RULES, describeRecurrence } from "@/lib/recurrence";
import type { DraftErrors, TaskDraft } from "@/lib/task-draft";

/** Asks for the browser's notifications, for reminders, where the person has not yet decided. */
function NotificationPermission() {
  const [state, setState] = useState<NotificationPermission | "unsupported">("unsupported");
  useEffect(() => {
    if (typeof Notification !== "undefined") setState(Notification.permission);
  }, []);
  if (state !== "default") return null;
  return (
    <Button
      type="button"
      variant="outline"
      size="sm"
      className="justify-self-start"
      onClick={async () => setState(await Notification.requestPermission())}
    >
      Also notify me outside this tab
    </Button>
  );
}

/** Every field of a task but its title; shared by the new-task and edit forms. */
export function TaskFields({
  draft,
  errors,
  onChange,
}: {
  draft: TaskDraft;
  errors: DraftErrors;
  onChange: (field: keyof TaskDraft, value: string) => void;
}) {
  const set = (field: keyof TaskDraft) => (event: { target: { value: string } }) =>
    onChange(field, event.target.value);
  const rules =
    COMMON_RULES.some((common) => common.rule === draft.recurrence) || !draft.recurrence
      ? COMMON_RULES
      : [...COMMON_RULES, { rule: draft.recurrence, label: describeRecurrence(draft.recurrence) }];
  return (
    <div className="grid gap-3">
      <Field label="Description" error={errors.description}>
        {(control) => (
          <Textarea
            {...control}
            name="description"
            value={draft.description}
            onChange={set("description")}
          />
        )}
      </Field>
      <div className="grid grid-cols-2 gap-3 sm:grid-cols-4">
        <Field label="Priority">
          {(control) => (
            <Select {...control} name="priority" value={draft.priority} onChange={set("priority")}>
              {PRIORITIES.map((priority) => (
                <option key={priority} value={priority}>
                  {priority.charAt(0).toUpperCase() + priority.slice(1)}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label="Due date" error={errors.dueDate}>
          {(control) => (
            <Input
              {...control}
              type="date"
              name="dueDate"
              value={draft.dueDate}
              onChange={set("dueDate")}
            />
          )}
        </Field>
        <Field label="Time" error={errors.dueTime}>
          {(control) => (
            <Input
              {...control}
              type="time"
              name="dueTime"
              value={draft.dueTime}
              onChange={set("dueTime")}
            />
          )}
        </Field>
        <Field label="Repeat" error={errors.recurrence}>
          {(control) => (
            <Select
              {...control}
              name="recurrence"
              value={draft.recurrence}
              onChange={set("recurrence")}
            >
              <option value="">Does not repeat</option>
              {rules.map(({ rule, label }) => (
                <option key={rule} value={rule}>
                  {label}
                </option>
              ))}
            </Select>
          )}
        </Field>
      </div>
      <div className="grid gap-3 sm:grid-cols-2">
        <Field label="Tags" hint="Separate tags with commas." error={errors.tags}>
          {(control) => (
            <Input
              {...control}
              name="tags"
              value={draft.tags}
              onChange={set("tags")}
              placeholder="work, home"
            />
          )}
        </Field>
        <Field label="Remind me" error={errors.remindAt}>
          {(control) => (
            <Input
              {...control}
              type="datetime-local"
              name="remindAt"
              value={draft.remindAt}
              onChange={set("remindAt")}
            />
          )}
        </Field>
      </div>
      <NotificationPermission />
    </div>
  );
}
