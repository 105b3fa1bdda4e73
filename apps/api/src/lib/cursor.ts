import { z } from "zod";
import { CalendarDateSchema } from "@taskbridge/shared/task";
import { sortKeyOf, type Sort } from "@taskbridge/shared/task-rules";
import { HttpProblem } from "../problem.ts";

/** The sort key of the last task of a page and its id: where the next page starts. */
export interface Cursor {
  sort: Sort;
  /** ISO time, lower-cased title, priority, or null (a task with no due date). */
  value: string | null;
  id: string;
}

const CursorSchema = z.tuple([z.string(), z.string().nullable(), z.uuid()]);

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.sort, cursor.value, cursor.id])).toString("base64url");
}

/** Reads a cursor from the query; one made for another sort order, or damaged, is a 400. */
export function decodeCursor(raw: string, sort: Sort): Cursor {
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
  if (key === "due_date") {
    // A calendar date PostgreSQL's `date` holds, or null for a task without one.
    if (value !== null && !CalendarDateSchema.safeParse(value).success) throw invalid();
  } else if (key === "created" || key === "updated") {
    if (value === null || Number.isNaN(Date.parse(value))) throw invalid();
  } else if (value === null) {
    throw invalid();
  }
  return { sort, value, id };
}
