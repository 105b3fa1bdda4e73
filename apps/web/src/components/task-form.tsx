"use client";
import { useState, type FormEvent } from "react";
import { TaskFields } from "@/components/task-fields";
import { focusFirstError } from "@/lib/focus";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { revalidate, validateDraft, type DraftErrors, type TaskDraft } from "@/lib/task-draft";

/** The edit form: every field of a task, Save and Cancel. */
export function TaskForm({
  initial,
  onSubmit,
  onCancel,
}: {
  initial: TaskDraft;
  onSubmit: (draft: TaskDraft) => void;
  onCancel: () => void;
}) {
  const [draft, setDraft] = useState(initial);
  const [errors, setErrors] = useState<DraftErrors>({});

  const change = (field: keyof TaskDraft, value: string) => {
    const next = { ...draft, [field]: value };
    setDraft(next);
    setErrors((current) => revalidate(current, next));
  };

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const found = validateDraft(draft);
    setErrors(found);
    if (!focusFirstError(event.currentTarget, found)) onSubmit(draft);
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
      <div className="flex flex-wrap justify-end gap-2">
        <Button type="button" variant="outline" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit">Save changes</Button>
      </div>
    </form>
  );
}
