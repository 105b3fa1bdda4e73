import {
  DESCRIPTION_MAX,
  TAG_MAX,
  TAGS_MAX,
  TITLE_MAX,
  type Priority,
} from "@taskbridge/shared/task-rules";
import type { TaskAnswer } from "@taskbridge/shared/task-mini";

/** The body of a create or an update, in the contract's field names. */
export interface TaskInput {
  title: string;
  description: string | null;
  priority: Priority;
  due_date: string | null;
  due_time?: string | null;
  recurrence?: string | null;
  remind_at?: string | null;
  tags: string[];
  /** The list to add it to (default: the Inbox, or the parent's list); on update, a move. */
  list_id?: string;
  parent_id?: string | null;
  assignee_id?: string | null;
}

/** What the task form holds: text as typed. */
export interface TaskDraft {
  title: string;
  description: string;
  priority: Priority;
  dueDate: string;
  dueTime: string;
  recurrence: string;
  /** `YYYY-MM-DDTHH:MM` in local time, as `<input type="datetime-local">` gives it. */
  remindAt: string;
  tags: string;
}

export type DraftErrors = Partial<Record<keyof TaskDraft, string>>;

const DRAFT_FIELDS: ReadonlyArray<keyof TaskDraft> = [
  "title",
  "description",
  "priority",
  "dueDate",
  "dueTime",
  "recurrence",
  "remindAt",
  "tags",
];

export const emptyDraft: TaskDraft = {
  title: "",
  description: "",
  priority: "medium",
  dueDate: "",
  dueTime: "",
  recurrence: "",
  remindAt: "",
  tags: "",
};

export function parseTags(text: string): string[] {
  const seen = new Set<string>();
  const tags: string[] = [];
  for (const raw of text.split(",")) {
    const tag = raw.trim().replace(/^#/, "");
    if (tag && !seen.has(tag.toLowerCase())) {
      seen.add(tag.toLowerCase());
      tags.push(tag);
    }
  }
  return tags;
}

/** The API's rules, checked in the form so that mistakes show before anything is sent. */
export function validateDraft(draft: TaskDraft): DraftErrors {
  const errors: DraftErrors = {};
  const title = draft.title.trim();
  if (!title) errors.title = "Give the task a title.";
  else if (title.length > TITLE_MAX) errors.title = `At most ${TITLE_MAX} characters.`;
  if (draft.description.length > DESCRIPTION_MAX)
    errors.description = `At most ${DESCRIPTION_MAX} characters.`;
  const tags = parseTags(draft.tags);
  if (tags.length > TAGS_MAX) errors.tags = `At most ${TAGS_MAX} tags.`;
  else if (tags.some((tag) => tag.length > TAG_MAX))
    errors.tags = `Each tag at most ${TAG_MAX} characters.`;
  if (draft.dueTime && !draft.dueDate) errors.dueTime = "A time needs a due date.";
  if (draft.recurrence && !draft.dueDate) errors.recurrence = "A repeating task needs a due date.";
  if (draft.remindAt && Number.isNaN(new Date(draft.remindAt).getTime()))
    errors.remindAt = "Enter a date and time.";
  return errors;
}

/** Only the fields whose rule a change can break again, so a fixed field loses its message. */
export function revalidate(errors: DraftErrors, draft: TaskDraft): DraftErrors {
  const now = validateDraft(draft);
  const kept: DraftErrors = {};
  for (const field of DRAFT_FIELDS) if (errors[field] && now[field]) kept[field] = now[field];
  return kept;
}

export function draftToInput(draft: TaskDraft): TaskInput {
  const dueDate = draft.dueDate || null;
  return {
    title: draft.title.trim(),
    description: draft.description.trim() ? draft.description.trim() : null,
    priority: draft.priority,
    due_date: dueDate,
    due_time: dueDate && draft.dueTime ? draft.dueTime : null,
    recurrence: dueDate && draft.recurrence ? draft.recurrence : null,
    remind_at: draft.remindAt ? new Date(draft.remindAt).toISOString() : null,
    tags: parseTags(draft.tags),
  };
}

const pad = (value: number) => String(value).padStart(2, "0");

/** An instant as `<input type="datetime-local">` shows it, in local time. */
export function toLocalDateTime(iso: string): string {
  const value = new Date(iso);
  return `${value.getFullYear()}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}T${pad(value.getHours())}:${pad(value.getMinutes())}`;
}

export function taskToDraft(task: TaskAnswer): TaskDraft {
  return {
    title: task.title,
    description: task.description ?? "",
    priority: task.priority,
    dueDate: task.due_date ?? "",
    dueTime: task.due_time ?? "",
    recurrence: task.recurrence ?? "",
    remindAt: task.remind_at ? toLocalDateTime(task.remind_at) : "",
    tags: task.tags.join(", "),
  };
}

/** Only the fields of `input` that differ from `task`: an update sends what changed. */
export function changedFields(task: TaskAnswer, input: TaskInput): Partial<TaskInput> {
  const changes: Partial<TaskInput> = {};
  if (input.title !== task.title) changes.title = input.title;
  if (input.description !== task.description) changes.description = input.description;
  if (input.priority !== task.priority) changes.priority = input.priority;
  if (input.due_date !== task.due_date) changes.due_date = input.due_date;
  if ((input.due_time ?? null) !== task.due_time) changes.due_time = input.due_time ?? null;
  if ((input.recurrence ?? null) !== task.recurrence) changes.recurrence = input.recurrence ?? null;
  const remind = input.remind_at ?? null;
  const before = task.remind_at ? new Date(task.remind_at).toISOString() : null;
  if (remind !== before) changes.remind_at = remind;
  if (input.tags.join("\n") !== task.tags.join("\n")) changes.tags = input.tags;
  return changes;
}
