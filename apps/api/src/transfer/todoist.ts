import { stringify } from "csv-stringify/sync";
import { isTimeZone, wallClockIn } from "@taskbridge/shared/calendar";
import { parseDates } from "@taskbridge/shared/chrono-dates";
import { readDateText, type DateText } from "@taskbridge/shared/quick-add";
import type { TodoistSkipped } from "@taskbridge/shared/export";
import {
  DESCRIPTION_MAX,
  SUBTASK_LEVELS,
  TAG_MAX,
  TAGS_MAX,
  TITLE_MAX,
  type Priority,
} from "@taskbridge/shared/task-rules";
import type { CsvProjection, CsvRow } from "./csv-file.ts";

// Todoist's CSV template, both ways (docs: shared spec api.md, "Import and export"). Reading
// turns the rows of a file into tasks to create, with the rows it could not take and why;
// writing turns a list's open tasks into a file Todoist imports. Dates are read by quick add's
// own reader, so "every friday" means here what it means on the board.

/** The columns a Todoist file must have. */
export const TODOIST_REQUIRED = ["TYPE", "CONTENT"] as const;

/** The columns this API writes: Todoist's template as its current exports have it. */
export const TODOIST_COLUMNS = [
  "TYPE",
  "CONTENT",
  "DESCRIPTION",
  "PRIORITY",
  "INDENT",
  "AUTHOR",
  "RESPONSIBLE",
  "DATE",
  "DATE_LANG",
  "TIMEZONE",
  "DURATION",
  "DURATION_UNIT",
  "DEADLINE",
  "DEADLINE_LANG",
] as const;

/** A task to create, from one row. `parent` is the index of an earlier task, or null. */
export interface TodoistTask {
  row: number;
  title: string;
  description: string | null;
  priority: Priority;
  tags: string[];
  dueDate: string | null;
  dueTime: string | null;
  recurrence: string | null;
  parent: number | null;
}

export interface TodoistReading {
  tasks: TodoistTask[];
  skipped: TodoistSkipped[];
}

/** Where relative dates count from, for rows without a TIMEZONE of their own. */
export interface DateContext {
  /** When the import runs. */
  now: Date;
  /** The zone of rows without one. */
  zone: string;
  /** The date of rows without a zone, if the caller gave one (`YYYY-MM-DD`). */
  today?: string;
}

/** `text` cut to `max` characters, never inside a character of two UTF-16 units. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\ud800-\udbff]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return text.slice(0, end);
}

const LABEL = /(^|\s)@([^\s@]+)/g;
/** The cells of a row the import reads. */
export interface TodoistRow {
  type: string;
  content: string;
  description: string;
  priority: string;
  indent: string;
  date: string;
  timezone: string;
  deadline: string;
}

/**
 * The longest cell kept: one more than a description may hold, so a longer one is still seen to
 * be cut. Cut cells are copied, so the rest of the file's text is not held with them.
 */
const CELL_MAX = DESCRIPTION_MAX + 1;

/** A cell as kept: no NUL characters, line breaks as "\\n" whatever the file used, trimmed. */
function keptCell(text: string): string {
  const clean = text.replaceAll("\u0000", "").replace(/\r\n?/g, "\n").trim();
  return clean.length <= CELL_MAX ? clean : Buffer.from(cut(clean, CELL_MAX)).toString();
}

/** What the import keeps of each row of a Todoist file. */
export const todoistRow: CsvProjection<TodoistRow> = (header) => {
  const at = (name: string) => header.indexOf(name);
  const columns = {
    type: at("TYPE"),
    content: at("CONTENT"),
    description: at("DESCRIPTION"),
    priority: at("PRIORITY"),
    indent: at("INDENT"),
    date: at("DATE"),
    timezone: at("TIMEZONE"),
    deadline: at("DEADLINE"),
  };
  const cell = (cells: string[], index: number) => (index < 0 ? "" : keptCell(cells[index] ?? ""));
  return (cells) => ({
    type: cell(cells, columns.type).toLowerCase(),
    content: cell(cells, columns.content),
    description: cell(cells, columns.description),
    priority: cell(cells, columns.priority),
    indent: cell(cells, columns.indent),
    date: cell(cells, columns.date),
    timezone: cell(cells, columns.timezone),
    deadline: cell(cells, columns.deadline),
  });
};

/** A CONTENT cell: the title, and its `@label` words as tags. */
function titleAndLabels(content: string): { title: string; labels: string[] } {
  const labels: string[] = [];
  const title = content
    .replace(LABEL, (_whole, space: string, label: string) => {
      labels.push(label);
      return space;
    })
    .replace(/\s+/g, " ")
    .trim();
  return { title, labels };
}

/** Tags as the task model takes them: trimmed, cut, distinct case-insensitively, at most ten. */
function tagsOf(candidates: string[]): { tags: string[]; dropped: number } {
  const tags: string[] = [];
  for (const candidate of candidates) {
    const tag = cut(candidate.trim(), TAG_MAX).trim();
    if (!tag || tags.some((kept) => kept.toLowerCase() === tag.toLowerCase())) continue;
    tags.push(tag);
  }
  return { tags: tags.slice(0, TAGS_MAX), dropped: Math.max(0, tags.length - TAGS_MAX) };
}

/** Todoist's PRIORITY: 1 (its p1, the highest) and 2 are high; the rest medium. */
function priorityOf(cell: string): Priority {
  const value = cell.trim();
  return value === "1" || value === "2" ? "high" : "medium";
}

/** Todoist's INDENT: 1 to 4 (a top task and three levels below); anything else is 1. */
function indentOf(cell: string): number {
  const value = Number(cell.trim());
  return Number.isInteger(value) && value >= 1 && value <= SUBTASK_LEVELS + 1 ? value : 1;
}

/**
 * The rows of a Todoist file as tasks. `task` rows become tasks; `note` rows are added to the
 * description of the task above; `section` rows tag the tasks under them with the section's
 * name; `meta` rows and blank cells are passed over. Rows are never dropped silently: each row
 * not taken, and each task kept with less than its row said, is in `skipped` with why.
 */
export function readTodoist(
  rows: ReadonlyArray<CsvRow<TodoistRow>>,
  context: DateContext,
): TodoistReading {
  const tasks: TodoistTask[] = [];
  const skipped: TodoistSkipped[] = [];
  /** Description parts per task, joined at the end: its own, then its notes. */
  const notes = new Map<number, string[]>();
  /** What goes at the end of a description whatever is cut: a date that could not be read. */
  const trailers = new Map<number, string>();
  /** The last task seen at each INDENT, for the parents of the rows below. */
  let lastAt: Array<number | undefined> = [];
  let section: string | null = null;
  const wallClocks = new Map<string, Date>();
  const clockOf = (zone: string | null): Date => {
    const key = zone ?? "";
    let clock = wallClocks.get(key);
    if (!clock) {
      clock =
        zone === null
          ? wallClockIn(context.zone, context.now, context.today)
          : wallClockIn(zone, context.now);
      wallClocks.set(key, clock);
    }
    return clock;
  };

  for (const { row, value: cells } of rows) {
    const { type, content } = cells;
    if (type === "meta" || (type === "" && content === "")) continue;
    if (type === "section") {
      section = content || null;
      lastAt = [];
      continue;
    }
    if (type === "note") {
      const task = tasks.length - 1;
      if (task < 0) skipped.push({ row, reason: "A note with no task above it" });
      else if (content) notes.get(task)?.push(content);
      continue;
    }
    if (type !== "task") {
      skipped.push({
        row,
        reason: `Unknown TYPE "${cut(type, 20)}": expected task, note or section`,
      });
      continue;
    }

    const { title: fullTitle, labels } = titleAndLabels(content);
    if (!fullTitle) {
      skipped.push({ row, reason: "A task without a title (CONTENT is empty)" });
      continue;
    }
    const index = tasks.length;
    const title = cut(fullTitle, TITLE_MAX);
    if (title !== fullTitle)
      skipped.push({ row, reason: `Kept, with its title cut to ${TITLE_MAX} characters` });
    const { tags, dropped } = tagsOf(section ? [section, ...labels] : labels);
    if (dropped > 0)
      skipped.push({ row, reason: `Kept, with the first ${TAGS_MAX} of its labels as tags` });

    const indent = indentOf(cells.indent);
    let parent: number | null = null;
    for (let level = indent - 1; level >= 1 && parent === null; level -= 1)
      parent = lastAt[level] ?? null;
    lastAt = lastAt.slice(0, indent);
    lastAt[indent] = index;

    const zone = cells.timezone && isTimeZone(cells.timezone) ? cells.timezone : null;
    const { date: dateText, deadline } = cells;
    let due: DateText | null = null;
    const parts: string[] = [];
    if (cells.description) parts.push(cells.description);
    if (dateText) {
      due = readDateText(dateText, parseDates, clockOf(zone));
      if (!due) {
        trailers.set(index, `Due: ${dateText}`);
        skipped.push({
          row,
          reason: `Kept, but its date "${cut(dateText, 60)}" could not be read: it is at the end of the description`,
        });
      }
    }
    if (deadline) {
      const read =
        due === null && !dateText ? readDateText(deadline, parseDates, clockOf(zone)) : null;
      if (read && read.recurrence === null) due = { ...read, dueTime: null };
      else parts.push(`Deadline: ${deadline}`);
    }
    notes.set(index, parts);
    tasks.push({
      row,
      title,
      description: null,
      priority: priorityOf(cells.priority),
      tags,
      dueDate: due?.dueDate ?? null,
      dueTime: due?.dueDate ? due.dueTime : null,
      recurrence: due?.dueDate ? due.recurrence : null,
      parent,
    });
  }

  tasks.forEach((task, index) => {
    const body = (notes.get(index) ?? []).join("\n\n");
    const trailer = trailers.get(index);
    const room = DESCRIPTION_MAX - (trailer ? trailer.length + (body ? 2 : 0) : 0);
    const kept = cut(body, Math.max(0, room));
    if (kept !== body)
      skipped.push({
        row: task.row,
        reason: `Kept, with its description and notes cut to ${DESCRIPTION_MAX} characters`,
      });
    const text = trailer
      ? kept
        ? `${kept}\n\n${cut(trailer, DESCRIPTION_MAX - kept.length - 2)}`
        : cut(trailer, DESCRIPTION_MAX)
      : kept;
    task.description = text || null;
  });
  skipped.sort((a, b) => a.row - b.row);
  return { tasks, skipped };
}

/** A task as written to Todoist's CSV. */
export interface CsvTask {
  id: string;
  parent_id: string | null;
  title: string;
  description: string | null;
  priority: Priority;
  tags: string[];
  due_date: string | null;
  due_time: string | null;
  recurrence: string | null;
}

const DAY_NAMES: Record<string, string> = {
  MO: "monday",
  TU: "tuesday",
  WE: "wednesday",
  TH: "thursday",
  FR: "friday",
  SA: "saturday",
  SU: "sunday",
};
const UNIT_NAMES: Record<string, string> = {
  DAILY: "day",
  WEEKLY: "week",
  MONTHLY: "month",
  YEARLY: "year",
};

/**
 * A recurrence as the words quick add and Todoist read: "every friday", "every 2 weeks",
 * "every weekday". What those words cannot say (COUNT, UNTIL, the last day of a month, several
 * days every other week) is left out: the series keeps its frequency, interval and first day.
 */
export function everyText(rule: string): string {
  const parts = new Map(
    rule.split(";").map((part) => {
      const [key = "", value = ""] = part.split("=");
      return [key, value] as const;
    }),
  );
  const freq = parts.get("FREQ") ?? "DAILY";
  const interval = Number(parts.get("INTERVAL") ?? "1");
  const days = parts.get("BYDAY")?.split(",") ?? [];
  if (freq === "WEEKLY" && interval === 1 && days.length > 0) {
    if (days.join(",") === "MO,TU,WE,TH,FR") return "every weekday";
    return `every ${days.map((day) => DAY_NAMES[day] ?? "monday").join(", ")}`;
  }
  const unit = UNIT_NAMES[freq] ?? "day";
  return interval > 1 ? `every ${interval} ${unit}s` : `every ${unit}`;
}

/** The DATE cell of a task: absolute, so it reads the same on any day and in any zone. */
function dateCell(task: CsvTask): string {
  if (task.due_date === null) return "";
  const when = task.due_time ? `${task.due_date} ${task.due_time}` : task.due_date;
  return task.recurrence ? `${everyText(task.recurrence)} starting ${when}` : when;
}

/** A tag as a Todoist label: one word, so spaces become underscores. */
const labelOf = (tag: string) => `@${tag.replace(/\s+/g, "_")}`;

/**
 * Tasks as Todoist's CSV template: each top-level task, then its subtasks under it with INDENT
 * one more, in the order given. Tasks whose parent is not among them are left out. `high` is
 * written as PRIORITY 1 and the rest as 4, Todoist's default.
 */
export function writeTodoist(tasks: readonly CsvTask[]): string {
  const children = new Map<string | null, CsvTask[]>();
  const ids = new Set(tasks.map((task) => task.id));
  for (const task of tasks) {
    const parent = task.parent_id !== null && ids.has(task.parent_id) ? task.parent_id : null;
    if (task.parent_id !== null && parent === null) continue;
    const siblings = children.get(parent) ?? [];
    siblings.push(task);
    children.set(parent, siblings);
  }
  const records: string[][] = [];
  const visit = (parent: string | null, indent: number) => {
    for (const task of children.get(parent) ?? []) {
      const content = [task.title, ...task.tags.map(labelOf)].join(" ");
      records.push([
        "task",
        content,
        task.description ?? "",
        task.priority === "high" ? "1" : "4",
        String(indent),
        "",
        "",
        dateCell(task),
        task.due_date === null ? "" : "en",
        "",
        "",
        "",
        "",
        "",
      ]);
      visit(task.id, indent + 1);
    }
  };
  visit(null, 1);
  return stringify(records, {
    bom: true,
    header: true,
    columns: [...TODOIST_COLUMNS],
    record_delimiter: "\r\n",
  });
}
