import * as z from "zod/mini";
import { LIST_NAME_MAX } from "@taskbridge/shared/list-rules";
import type { ApiClient } from "./api-client.ts";
import { localDate } from "./dates.ts";

// Export and import as the browser does them: files fetched with the API's token and saved
// through a link, files picked by the person sent as they are, and the API's reports in words.
// The board loads this module only when a list is exported.

const CountsSchema = z.object({ created: z.number(), updated: z.number() });
/** What `POST /api/import` answers. */
export const ImportReportSchema = z.object({ lists: CountsSchema, tasks: CountsSchema });
export type ImportReport = z.output<typeof ImportReportSchema>;

/** What `POST /api/lists/{id}/import/todoist` answers. */
export const TodoistReportSchema = z.object({
  created: z.number(),
  subtasks: z.number(),
  skipped: z.array(z.object({ row: z.number(), reason: z.string() })),
});
export type TodoistReport = z.output<typeof TodoistReportSchema>;

class UnexpectedReportError extends Error {
  override name = "UnexpectedReportError";
}

function parseReport<T>(
  schema: { safeParse: (value: unknown) => { success: boolean; data?: T } },
  value: unknown,
): T {
  const result = schema.safeParse(value);
  if (!result.success || result.data === undefined)
    throw new UnexpectedReportError("The task service sent an unexpected report");
  return result.data;
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
  return parseReport(ImportReportSchema, await response.json());
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
  return parseReport(TodoistReportSchema, await response.json());
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
