import { draftToInput, type TaskDraft, type TaskInput } from "./task-draft.ts";

export * from "@taskbridge/shared/quick-add";

/**
 * What a quick add sends: the form's fields, in the list named with `^` if any, else in
 * `defaultListId` (the list the board has open), else in none, which the API reads as the Inbox.
 */
export function quickAddInput(
  draft: TaskDraft,
  listId: string | null,
  defaultListId?: string,
): TaskInput {
  const input = draftToInput(draft);
  const list = listId ?? defaultListId;
  return list === undefined ? input : { ...input, list_id: list };
}
