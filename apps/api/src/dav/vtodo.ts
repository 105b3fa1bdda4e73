import { createHash } from "node:crypto";
import ICAL from "ical.js";
import type { Task } from "@taskbridge/shared/task";

// A task as a VTODO (RFC 5545), built with ical.js, for tasks served to CalDAV clients. The
// mapping is the contract's (docs: shared spec api.md, "CalDAV"): completion as STATUS,
// COMPLETED and PERCENT-COMPLETE; priority as 1 / 5 / 9; the due date as a date, or a date-time
// on the person's wall clock (floating); the parent as RELATED-TO.

const PRODID = "-//Taskbridge//CalDAV//EN";
const PRIORITY = { high: 1, medium: 5, low: 9 } as const;

function dateParts(date: string) {
  const [year = 1970, month = 1, day = 1] = date.split("-").map(Number);
  return { year, month, day };
}

const utc = (iso: string) => ICAL.Time.fromJSDate(new Date(iso), true);

/** The VTODO text of `task` (CRLF lines, folded). */
export function vtodoOf(task: Task): string {
  const calendar = new ICAL.Component(["vcalendar", [], []]);
  calendar.updatePropertyWithValue("prodid", PRODID);
  calendar.updatePropertyWithValue("version", "2.0");
  const todo = new ICAL.Component("vtodo");
  todo.updatePropertyWithValue("uid", task.id);
  todo.updatePropertyWithValue("dtstamp", utc(task.updated_at));
  todo.updatePropertyWithValue("created", utc(task.created_at));
  todo.updatePropertyWithValue("last-modified", utc(task.updated_at));
  todo.updatePropertyWithValue("summary", task.title);
  if (task.description) todo.updatePropertyWithValue("description", task.description);
  if (task.tags.length > 0) {
    const categories = new ICAL.Property("categories");
    categories.setValues(task.tags);
    todo.addProperty(categories);
  }
  todo.updatePropertyWithValue("priority", PRIORITY[task.priority]);
  if (task.completed) {
    todo.updatePropertyWithValue("status", "COMPLETED");
    todo.updatePropertyWithValue("completed", utc(task.updated_at));
    todo.updatePropertyWithValue("percent-complete", 100);
  } else {
    todo.updatePropertyWithValue("status", "NEEDS-ACTION");
  }
  if (task.due_date) {
    const due = task.due_time
      ? ICAL.Time.fromData({
          ...dateParts(task.due_date),
          hour: Number(task.due_time.slice(0, 2)),
          minute: Number(task.due_time.slice(3, 5)),
          second: 0,
        })
      : ICAL.Time.fromData({ ...dateParts(task.due_date), isDate: true });
    todo.updatePropertyWithValue("due", due);
  }
  if (task.recurrence)
    todo.updatePropertyWithValue("rrule", ICAL.Recur.fromString(task.recurrence));
  if (task.parent_id) {
    const related = new ICAL.Property("related-to");
    related.setParameter("reltype", "PARENT");
    related.setValue(task.parent_id);
    todo.addProperty(related);
  }
  calendar.addSubcomponent(todo);
  return `${calendar.toString()}\r\n`;
}

/** A strong ETag of the bytes served. */
export const etagOf = (text: string) =>
  `"${createHash("sha256").update(text, "utf8").digest("base64url").slice(0, 27)}"`;
