import { z } from "zod";
import { CalendarDateSchema } from "@taskbridge/shared/task";
import { PRIORITIES, sortKeyOf, TITLE_MAX, type Sort } from "@taskbridge/shared/task-rules";
import { HttpProblem } from "../problem.ts";

/** The sort key of the last task of a page and its id: where the next page starts. */
export interface Cursor {
  sort: Sort;
  /**
   * ISO time, calendar date (in a view's order, with the task's time when it has one: see
   * `sortValue`), lower-cased title, priority, or null (a task with no due date).
   */
  value: string | null;
  id: string;
}

const CursorSchema = z.tuple([z.string(), z.string().nullable(), z.uuid()]);

/**
 * What a cursor's value must be for each sort key: exactly what `encodeCursor` writes, and
 * nothing PostgreSQL would refuse (a year 0, an unknown priority, a NUL), so a forged or damaged
 * cursor is a 400 and never reaches a query.
 */
const StorableInstant = z.iso.datetime().refine((value) => !value.startsWith("0000-"));
const CursorValueSchemas = {
  created: StorableInstant,
  updated: StorableInstant,
  // A calendar date, or null for a task without one.
  due_date: CalendarDateSchema.nullable(),
  priority: z.enum(PRIORITIES),
  // Lower-casing can lengthen a title (İ becomes two code units), hence the slack.
  title: z
    .string()
    .max(TITLE_MAX * 3)
    .regex(/^[^\0]*$/),
} as const;

/** In a view's order, a due date and, for a task with one, its time: `2026-03-10T09:30`. */
const ViewDueValueSchema = z.union([
  CalendarDateSchema.nullable(),
  z
    .string()
    .regex(/^\d{4}-\d\d-\d\dT([01]\d|2[0-3]):[0-5]\d$/)
    .refine((value) => CalendarDateSchema.safeParse(value.slice(0, 10)).success),
]);

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, cursor.value, cursor.id])).toString("base64url");
}

/**
 * Reads a cursor from the query; one made for another sort order, or damaged, is a 400. `byTime`:
 * the list is in a view's order, whose due-date cursors may carry a time.
 */
export function decodeCursor(raw: string, sort: Sort, byTime = false): Cursor {
  const invalid = () =>
    new HttpProblem(400, "The cursor is malformed or belongs to another sort order");
  if (!/^[A-Za-z0-9_-]+$/.test(raw)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  const result = CursorSchema.safeParse(parsed);
  if (!result.success || result.data[0] !== sort) throw invalid();
  const [, value, id] = result.data;
  const key = sortKeyOf(sort);
  const schema = byTime && key === "due_date" ? ViewDueValueSchema : CursorValueSchemas[key];
  if (!schema.safeParse(value).success) throw invalid();
  return { sort, value, id };
}
