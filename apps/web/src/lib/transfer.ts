import type { ListAnswer } from "@taskbridge/shared/list-mini";
import { LIST_NAME_MAX } from "@taskbridge/shared/list-rules";
import type { ApiClient } from "./api-client.ts";
import { localDate } from "./dates.ts";

// Export and import as the browser does them: files fetched with the API's token and saved
// through a link, files picked by the person sent as they are, and the API's reports in words.
// The board loads this module only when a list is exported.

/** What `POST /api/import` answers. */
export interface ImportReport {
  lists: { created: number; updated: number };
  tasks: { created: number; updated: number };
}

/** What `POST /api/lists/{id}/import/todoist` answers. */
export interface TodoistReport {
  /** Tasks created, subtasks included. */
  created: number;
  subtasks: number;
  /** Rows not taken, or taken with less than they said, each with why. */
  skipped: Array<{ row: number; reason: string }>;
}

// The reports are read with type guards, not zod: a zod/mini schema here, in a module both the
// board (lazily) and the account page import, made the board's first load 1.4 KB larger, the
// bundler then sharing more of zod with it.
type Fields = Record<string, unknown>;
const isObject = (value: unknown): value is Fields => typeof value === "object" && value !== null;
const isCount = (value: unknown): value is number => Number.isSafeInteger(value);
const isCounts = (value: unknown) =>
  isObject(value) && isCount(value.created) && isCount(value.updated);

function isImportReport(value: unknown): value is ImportReport {
  return isObject(value) && isCounts(value.lists) && isCounts(value.tasks);
}

function isTodoistReport(value: unknown): value is TodoistReport {
  return (
    isObject(value) &&
    isCount(value.created) &&
    isCount(value.subtasks) &&
    Array.isArray(value.skipped) &&
    value.skipped.every(
      (item) => isObject(item) && isCount(item.row) && typeof item.reason === "string",
    )
  );
}

class UnexpectedReportError extends Error {
  override name = "UnexpectedReportError";
}

function readReport<T>(value: unknown, is: (value: unknown) => value is T): T {
  if (!is(value)) throw new UnexpectedReportError("The task service sent an unexpected report");
  return value;
}

/** Hands a file to the browser's downloads, as a link with `download` would. */
export function saveFile(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started from the click; the URL may go once it has been read.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * A file name for a list's CSV: the list's name with the characters file systems refuse
 * replaced. (The API names the file the same way, but a browser cannot read that header from
 * another origin unless it is exposed.)
 */
export function csvFileName(listName: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is being removed
  const safe = listName.replace(/[\u0000-\u001f\u007f\\/:*?"<>|]/g, "_").trim();
  return `${safe.replace(/^\.+/, "") || "list"}.csv`;
}

/** The name of a list made for a Todoist file: the file's name without `.csv`. */
export function listNameFromFile(fileName: string): string {
  const name = fileName.replace(/\.csv$/i, "").trim();
  return (name || "Imported from Todoist").slice(0, LIST_NAME_MAX).trim();
}

/** The lists a file may be imported into: the person's own or shared to edit, not archived. */
export function importTargets(lists: readonly ListAnswer[]): ListAnswer[] {
  return lists.filter((list) => list.role !== "viewer" && !list.archived);
}

/** Everything the caller owns, saved as `taskbridge-<their date>.json`. */
export async function exportAll(api: ApiClient, today = localDate()): Promise<void> {
  const response = await api.transfer("GET", "/api/export");
  saveFile(await response.blob(), `taskbridge-${today}.json`);
}

/** One list in Todoist's CSV template, saved under the list's name. */
export async function exportListCsv(
  api: ApiClient,
  list: { id: string; name: string },
): Promise<void> {
  const response = await api.transfer("GET", `/api/lists/${list.id}/export.csv`);
  saveFile(await response.blob(), csvFileName(list.name));
}

/** A Taskbridge export back in: lists and tasks made anew, or updated when imported before. */
export async function importExport(api: ApiClient, file: Blob): Promise<ImportReport> {
  const response = await api.transfer("POST", "/api/import", {
    body: file,
    type: "application/json",
  });
  return readReport(await response.json(), isImportReport);
}

/** A Todoist CSV into one list; rows without a time zone are read in the person's own. */
export async function importTodoist(
  api: ApiClient,
  listId: string,
  file: Blob,
  { today = localDate(), timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone } = {},
): Promise<TodoistReport> {
  const query = new URLSearchParams({ today, tz: timeZone });
  const response = await api.transfer("POST", `/api/lists/${listId}/import/todoist?${query}`, {
    body: file,
    type: "text/csv",
  });
  return readReport(await response.json(), isTodoistReport);
}

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** "2 lists created, 14 tasks created, 3 tasks updated". */
export function describeImport(report: ImportReport): string {
  const parts = [
    `${count(report.lists.created, "list", "lists")} created`,
    ...(report.lists.updated ? [`${count(report.lists.updated, "list", "lists")} updated`] : []),
    `${count(report.tasks.created, "task", "tasks")} created`,
    ...(report.tasks.updated ? [`${count(report.tasks.updated, "task", "tasks")} updated`] : []),
  ];
  return parts.join(", ");
}

/** "12 tasks created, 3 of them subtasks". */
export function describeTodoist(report: TodoistReport): string {
  const created = `${count(report.created, "task", "tasks")} created`;
  if (report.subtasks === 0) return created;
  return `${created}, ${report.subtasks} of them ${report.subtasks === 1 ? "a subtask" : "subtasks"}`;
}
