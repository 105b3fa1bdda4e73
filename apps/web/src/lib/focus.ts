import type { DraftErrors, TaskDraft } from "./task-draft.ts";

/** Focuses the first field with an error, in the order the task forms show them. */
export function focusFirstError(form: HTMLFormElement, errors: DraftErrors): boolean {
  const order: Array<keyof TaskDraft> = [
    "title",
    "description",
    "dueDate",
    "dueTime",
    "recurrence",
    "tags",
    "remindAt",
  ];
  const first = order.find((name) => errors[name]);
  if (first) form.querySelector<HTMLElement>(`[name="${first}"]`)?.focus();
  return first !== undefined;
}
