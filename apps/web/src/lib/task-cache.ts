import type { InfiniteData } from "@tanstack/react-query";
import type { TaskCreate } from "@taskbridge/shared/task";
import {
  DESCRIPTION_MAX,
  TAG_MAX,
  TAGS_MAX,
  TITLE_MAX,
  type Task,
} from "@taskbridge/shared/task-rules";
import type { TaskPage } from "./api-client.ts";

export type TaskPages = InfiniteData<TaskPage, string | null>;

/** Applies `change` to every cached task (return null to drop it), keeping pages and cursors. */
export function mapTasks(
  data: TaskPages | undefined,
  change: (task: Task) => Task | null,
): TaskPages | undefined {
  if (!data) return data;
  return {
    ...data,
    pages: data.pages.map((page) => ({
      ...page,
      tasks: page.tasks.flatMap((task) => {
        const next = change(task);
        return next ? [next] : [];
      }),
    })),
  };
}

export function prependTask(data: TaskPages | undefined, task: Task): TaskPages | undefined {
  if (!data) return data;
  const [first, ...rest] = data.pages;
  if (!first) return data;
  return { ...data, pages: [{ ...first, tasks: [task, ...first.tasks] }, ...rest] };
}

export function isOverdue(
  task: Pick<Task, "due_date" | "completed">,
  now: Date = new Date(),
): boolean {
  return (
    !task.completed && task.due_date !== null && new Date(task.due_date).getTime() < now.getTime()
  );
}

export function parseTags(text: string): string[] {
  return [
    ...new Set(
      text
        .split(",")
        .map((tag) => tag.trim())
        .filter(Boolean),
    ),
  ];
}

export interface TaskDraft {
  title: string;
  description: string;
  priority: "low" | "medium" | "high";
  dueDate: string;
  tags: string;
}

export type DraftErrors = Partial<Record<keyof TaskDraft, string>>;

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
  return errors;
}

export function draftToInput(draft: TaskDraft): TaskCreate {
  return {
    title: draft.title.trim(),
    description: draft.description.trim() ? draft.description.trim() : null,
    priority: draft.priority,
    due_date: draft.dueDate ? draft.dueDate : null,
    tags: parseTags(draft.tags),
  };
}

export function taskToDraft(task: Task): TaskDraft {
  return {
    title: task.title,
    description: task.description ?? "",
    priority: task.priority,
    dueDate: task.due_date ? task.due_date.slice(0, 10) : "",
    tags: task.tags.join(", "),
  };
}

export const emptyDraft: TaskDraft = {
  title: "",
  description: "",
  priority: "medium",
  dueDate: "",
  tags: "",
};
