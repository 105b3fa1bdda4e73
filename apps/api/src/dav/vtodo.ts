import { createHash } from "node:crypto";
import ICAL from "ical.js";
import {
  RecurrenceSchema,
  TaskUpdateSchema,
  type Task,
  type TaskUpdateParsed,
} from "@taskbridge/shared/task";
import { DESCRIPTION_MAX, TAG_MAX, TAGS_MAX, TITLE_MAX } from "@taskbridge/shared/task-rules";
import { timeZoneName } from "@taskbridge/shared/time-zones";
import { instantOf, wallClockIn } from "../lib/zones.ts";

// Tasks as VTODOs (RFC 5545) through ical.js, at the component level so that whatever a client
// wrote and Taskbridge does not model (X- properties, parameters, alarms, RECURRENCE-ID
// overrides, time zones) is kept. The mapping is the contract's (shared spec api.md, "CalDAV"):
//
// - reading (a PUT): `fieldsOf` gives a VTODO's task fields, on the person's wall clock;
// - writing (a GET): `textOf` gives the stored text unchanged while the task still reads the
//   same from it, and otherwise the stored text with only the properties of the fields that
//   differ rewritten; a task no client wrote gets a VTODO made the same way from nothing.

const PRODID = "-//Taskbridge//CalDAV//EN";
const PRIORITY_WRITTEN = { high: 1, medium: 5, low: 9 } as const;
const UNTITLED = "Untitled";
const NUL = /\0/g;

/** What a VTODO says of a task's fields. */
export interface VtodoFields {
  title: string;
  description: string | null;
  completed: boolean;
  priority: Task["priority"];
  due_date: string | null;
  due_time: string | null;
  tags: string[];
  recurrence: string | null;
  remind_at: string | null;
  /** The UID of the parent (`RELATED-TO`, `RELTYPE=PARENT` or none). */
  parentUid: string | null;
}

/** A calendar object resource, parsed. */
export interface Vtodo {
  calendar: ICAL.Component;
  /** The VTODO without `RECURRENCE-ID` (the first VTODO when there is none). */
  master: ICAL.Component;
  uid: string;
}

/** Why a body is not a calendar object resource Taskbridge can store. */
export class VtodoRefused extends Error {
  constructor(
    readonly precondition: "valid-calendar-data" | "supported-calendar-component",
    detail: string,
  ) {
    super(detail);
    this.name = "VtodoRefused";
  }
}

/** Reads one calendar object resource: a VCALENDAR of VTODOs of one UID. */
export function readVtodo(text: string): Vtodo {
  let calendar: ICAL.Component;
  try {
    calendar = new ICAL.Component(ICAL.parse(text) as unknown[]);
  } catch {
    throw new VtodoRefused("valid-calendar-data", "The body is not iCalendar data");
  }
  if (calendar.name !== "vcalendar")
    throw new VtodoRefused("valid-calendar-data", "The body is not a VCALENDAR");
  const others = calendar
    .getAllSubcomponents()
    .filter((component) => !["vtodo", "vtimezone"].includes(component.name));
  if (others.length > 0)
    throw new VtodoRefused(
      "supported-calendar-component",
      `This calendar holds tasks (VTODO) only, not ${others[0]?.name.toUpperCase() ?? ""}`,
    );
  const todos = calendar.getAllSubcomponents("vtodo");
  const master = todos.find((todo) => !todo.hasProperty("recurrence-id")) ?? todos[0];
  if (!master) throw new VtodoRefused("valid-calendar-data", "The calendar holds no VTODO");
  const uid = String(master.getFirstPropertyValue("uid") ?? "").trim();
  if (!uid) throw new VtodoRefused("valid-calendar-data", "The VTODO has no UID");
  if (todos.some((todo) => String(todo.getFirstPropertyValue("uid") ?? "").trim() !== uid))
    throw new VtodoRefused("valid-calendar-data", "Every VTODO of a resource must share one UID");
  return { calendar, master, uid };
}

const cut = (value: string, max: number) => [...value.replace(NUL, "")].slice(0, max).join("");

/** `fields` cut to what a task holds: title, description and tags within their limits. */
export function fitted(fields: VtodoFields): VtodoFields {
  const tags: string[] = [];
  for (const tag of fields.tags) {
    const kept = cut(tag, TAG_MAX).trim();
    if (kept && !tags.includes(kept) && tags.length < TAGS_MAX) tags.push(kept);
  }
  return {
    ...fields,
    title: cut(fields.title, TITLE_MAX).trim() || UNTITLED,
    description:
      fields.description === null ? null : cut(fields.description, DESCRIPTION_MAX) || null,
    tags,
  };
}

/** A date `YYYY-MM-DD` of an ICAL.Time. */
const dateOf = (time: ICAL.Time) =>
  `${String(time.year).padStart(4, "0")}-${String(time.month).padStart(2, "0")}-${String(time.day).padStart(2, "0")}`;
const clockOf = (time: ICAL.Time) =>
  `${String(time.hour).padStart(2, "0")}:${String(time.minute).padStart(2, "0")}`;

function priorityOf(value: unknown): Task["priority"] {
  const level = Number(value);
  if (Number.isInteger(level) && level >= 1 && level <= 4) return "high";
  if (Number.isInteger(level) && level >= 6 && level <= 9) return "low";
  return "medium";
}

const NULLABLE = ["description", "due_date", "due_time", "recurrence", "remind_at"] as const;

/**
 * The task fields of a VTODO as the task API takes them: each checked by the API's own schema,
 * and a value it refuses (a date out of range, a reminder the API cannot hold) left out, so a
 * client's odd value never fails its whole upload.
 */
export function taskInput(fields: VtodoFields): TaskUpdateParsed {
  const input: Record<string, unknown> = {
    title: fields.title,
    description: fields.description,
    completed: fields.completed,
    priority: fields.priority,
    due_date: fields.due_date,
    due_time: fields.due_time,
    tags: fields.tags,
    recurrence: fields.recurrence,
    remind_at: fields.remind_at,
  };
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const checked = TaskUpdateSchema.safeParse(input);
    if (checked.success) return checked.data;
    for (const issue of checked.error.issues) {
      const field = String(issue.path[0] ?? "");
      if ((NULLABLE as readonly string[]).includes(field)) input[field] = null;
      else if (field === "title") input.title = UNTITLED;
      else if (field === "tags") input.tags = [];
      else if (field === "priority") input.priority = "medium";
    }
    if (input.due_date === null) {
      input.due_time = null;
      input.recurrence = null;
    }
  }
  return { title: UNTITLED };
}

/** A rule of the contract's subset as Taskbridge stores it, or null outside it. */
export function recurrenceOf(rule: string | null | undefined): string | null {
  if (!rule) return null;
  let text: string;
  try {
    text = ICAL.Recur.fromString(rule).toString();
  } catch {
    return null;
  }
  return RecurrenceSchema.safeParse(text).success ? text : null;
}

/**
 * The instant of a DUE date-time: in UTC, in its TZID (the resource's own VTIMEZONE first, then
 * the IANA zone of that name), or null when it is floating (a wall-clock time, no zone).
 */
function instantOfTime(calendar: ICAL.Component, property: ICAL.Property): number | null {
  const value = property.getFirstValue() as ICAL.Time;
  const wall = Date.UTC(value.year, value.month - 1, value.day, value.hour, value.minute, 0);
  if (value.zone === ICAL.Timezone.utcTimezone) return wall;
  const tzid = property.getParameter("tzid");
  if (typeof tzid !== "string" || !tzid) return null;
  const definition = calendar
    .getAllSubcomponents("vtimezone")
    .find((zone) => zone.getFirstPropertyValue("tzid") === tzid);
  if (definition) {
    try {
      return wall - new ICAL.Timezone(definition).utcOffset(value) * 1000;
    } catch {
      // A VTIMEZONE that does not read: the zone's name may still be a known one.
    }
  }
  if (timeZoneName(tzid) !== null) return instantOf(dateOf(value), clockOf(value), tzid);
  return null;
}

/** A VTODO's DUE on the wall clock of `zone`, and its instant; throws for a DUE that is none. */
function dueOf(
  calendar: ICAL.Component,
  master: ICAL.Component,
  zone: string,
): { dueDate: string | null; dueTime: string | null; dueInstant: number | null } {
  const due = master.getFirstProperty("due");
  const value = due?.getFirstValue();
  if (!due || !(value instanceof ICAL.Time))
    return { dueDate: null, dueTime: null, dueInstant: null };
  if (value.isDate) {
    const dueDate = dateOf(value);
    return { dueDate, dueTime: null, dueInstant: instantOf(dueDate, "00:00", zone) };
  }
  const instant = instantOfTime(calendar, due);
  if (instant === null) {
    const dueDate = dateOf(value);
    const dueTime = clockOf(value);
    return { dueDate, dueTime, dueInstant: instantOf(dueDate, dueTime, zone) };
  }
  if (!Number.isFinite(instant)) throw new RangeError("DUE is not a time");
  const { date, time } = wallClockIn(instant, zone);
  return { dueDate: date, dueTime: time, dueInstant: instant };
}

/**
 * The task fields a VTODO says, on the wall clock of `zone`, as written: `fitted` cuts them to
 * what a task holds. Compared with a task, a value that was cut to fit differs, so the text
 * served then says what was kept.
 */
export function fieldsOf({ calendar, master }: Vtodo, zone: string): VtodoFields {
  const summary = master.getFirstPropertyValue("summary");
  const title = (typeof summary === "string" ? summary : "").trim() || UNTITLED;
  const text = master.getFirstPropertyValue("description");
  const description = typeof text === "string" ? text : "";
  const tags: string[] = [];
  for (const property of master.getAllProperties("categories"))
    for (const value of property.getValues()) {
      const tag = typeof value === "string" ? value.trim() : "";
      if (tag && !tags.includes(tag)) tags.push(tag);
    }
  const status = String(master.getFirstPropertyValue("status") ?? "").toUpperCase();
  const completed = status === "COMPLETED" || master.hasProperty("completed");

  let dueDate: string | null = null;
  let dueTime: string | null = null;
  let dueInstant: number | null = null;
  try {
    ({ dueDate, dueTime, dueInstant } = dueOf(calendar, master, zone));
  } catch {
    // A DUE that does not name a time (`DUE:notadate`, a year out of range): no due date.
  }

  const rrule = master.getFirstPropertyValue("rrule");
  const recurrence = dueDate && rrule instanceof ICAL.Recur ? recurrenceOf(rrule.toString()) : null;

  let parentUid: string | null = null;
  for (const related of master.getAllProperties("related-to")) {
    const type = related.getParameter("reltype");
    if (type === undefined || String(type).toUpperCase() === "PARENT") {
      parentUid = String(related.getFirstValue() ?? "").trim() || null;
      break;
    }
  }

  return {
    title,
    description: description === "" ? null : description,
    completed,
    priority: priorityOf(master.getFirstPropertyValue("priority")),
    due_date: dueDate,
    due_time: dueTime,
    tags,
    recurrence,
    remind_at: reminderAlarm(master, dueInstant)?.at ?? null,
    parentUid,
  };
}

/** The first VALARM whose trigger is an instant or relative to DUE, and when it rings. */
function reminderAlarm(
  master: ICAL.Component,
  dueInstant: number | null,
): { alarm: ICAL.Component; at: string } | null {
  for (const alarm of master.getAllSubcomponents("valarm")) {
    const trigger = alarm.getFirstProperty("trigger");
    const value = trigger?.getFirstValue();
    if (value instanceof ICAL.Time)
      return { alarm, at: new Date(value.toUnixTime() * 1000).toISOString() };
    if (
      value instanceof ICAL.Duration &&
      String(trigger?.getParameter("related") ?? "").toUpperCase() === "END" &&
      dueInstant !== null
    )
      return { alarm, at: new Date(dueInstant + value.toSeconds() * 1000).toISOString() };
  }
  return null;
}

const utc = (iso: string) => ICAL.Time.fromJSDate(new Date(iso), true);
const sameTags = (a: string[], b: string[]) =>
  a.length === b.length && a.every((tag, i) => tag === b[i]);
const sameInstant = (a: string | null, b: string | null) =>
  a === b || (a !== null && b !== null && Date.parse(a) === Date.parse(b));

/** How a task is written for one reader: their zone, and its parent's UID. */
export interface WriteContext {
  zone: string;
  parentUid: string | null;
  /** The VTIMEZONE of `zone`, for a DUE written with its TZID; null writes UTC instead. */
  vtimezone?: ((zone: string) => string | null) | undefined;
}

/**
 * The iCalendar text served for `task`: `stored` itself while the task reads the same from it,
 * else `stored` with the differing fields' properties rewritten (and LAST-MODIFIED, DTSTAMP and
 * SEQUENCE moved on); a VTODO made from nothing when no client stored one.
 */
export function textOf(task: Task, stored: string | null, context: WriteContext): string {
  let resource: Vtodo | null = null;
  if (stored !== null) {
    try {
      resource = readVtodo(stored);
    } catch {
      resource = null;
    }
  }
  if (stored !== null && resource) {
    const was = fieldsOf(resource, context.zone);
    const changed = rewrite(resource, was, task, context);
    if (!changed) return stored;
    const { master } = resource;
    master.updatePropertyWithValue("last-modified", utc(task.updated_at));
    master.updatePropertyWithValue("dtstamp", utc(task.updated_at));
    const sequence = master.getFirstPropertyValue("sequence");
    if (sequence !== null && sequence !== undefined)
      master.updatePropertyWithValue("sequence", Number(sequence) + 1);
    return `${resource.calendar.toString()}\r\n`;
  }
  const calendar = new ICAL.Component(["vcalendar", [], []]);
  calendar.updatePropertyWithValue("version", "2.0");
  calendar.updatePropertyWithValue("prodid", PRODID);
  const master = new ICAL.Component("vtodo");
  master.updatePropertyWithValue("uid", task.id);
  master.updatePropertyWithValue("dtstamp", utc(task.updated_at));
  master.updatePropertyWithValue("created", utc(task.created_at));
  master.updatePropertyWithValue("last-modified", utc(task.updated_at));
  calendar.addSubcomponent(master);
  const made: Vtodo = { calendar, master, uid: task.id };
  rewrite(made, null, task, context);
  return `${calendar.toString()}\r\n`;
}

/** Writes into `resource` each field of `task` that `was` (null: nothing yet) does not say. */
function rewrite(
  resource: Vtodo,
  was: VtodoFields | null,
  task: Task,
  context: WriteContext,
): boolean {
  const { calendar, master } = resource;
  let changed = false;
  const differs = (same: boolean) => {
    if (!same) changed = true;
    return !same;
  };

  if (differs(was?.title === task.title)) master.updatePropertyWithValue("summary", task.title);
  if (differs(was !== null && was.description === (task.description || null))) {
    if (task.description) master.updatePropertyWithValue("description", task.description);
    else master.removeAllProperties("description");
  }
  if (differs(was !== null && sameTags(was.tags, task.tags))) {
    master.removeAllProperties("categories");
    if (task.tags.length > 0) {
      const categories = new ICAL.Property("categories");
      categories.setValues(task.tags);
      master.addProperty(categories);
    }
  }
  if (differs(was?.priority === task.priority))
    master.updatePropertyWithValue("priority", PRIORITY_WRITTEN[task.priority]);
  if (differs(was?.completed === task.completed)) {
    if (task.completed) {
      master.updatePropertyWithValue("status", "COMPLETED");
      master.updatePropertyWithValue("completed", utc(task.updated_at));
      master.updatePropertyWithValue("percent-complete", 100);
    } else {
      master.updatePropertyWithValue("status", "NEEDS-ACTION");
      master.removeAllProperties("completed");
      master.removeAllProperties("percent-complete");
    }
  }
  if (differs(was !== null && was.due_date === task.due_date && was.due_time === task.due_time)) {
    writeDue(calendar, master, task, context);
    startNoLaterThanDue(calendar, master, context.zone);
  }
  if (differs(was !== null && was.recurrence === recurrenceOf(task.recurrence))) {
    master.removeAllProperties("rrule");
    if (task.recurrence)
      master.addPropertyWithValue("rrule", ICAL.Recur.fromString(task.recurrence));
  }
  if (differs(was !== null && was.parentUid === context.parentUid)) {
    for (const related of master.getAllProperties("related-to")) {
      const type = related.getParameter("reltype");
      if (type === undefined || String(type).toUpperCase() === "PARENT")
        master.removeProperty(related);
    }
    if (context.parentUid) {
      const related = new ICAL.Property("related-to");
      related.setParameter("reltype", "PARENT");
      related.setValue(context.parentUid);
      master.addProperty(related);
    }
  }
  if (differs(was !== null && sameInstant(was.remind_at, task.remind_at))) {
    const dueInstant = task.due_date
      ? instantOf(task.due_date, task.due_time ?? "00:00", context.zone)
      : null;
    const old = reminderAlarm(master, dueInstant);
    if (old) master.removeSubcomponent(old.alarm);
    if (task.remind_at) {
      const alarm = new ICAL.Component("valarm");
      alarm.updatePropertyWithValue("action", "DISPLAY");
      alarm.updatePropertyWithValue("description", task.title);
      const trigger = alarm.updatePropertyWithValue("trigger", utc(task.remind_at));
      trigger.setParameter("value", "DATE-TIME");
      master.addSubcomponent(alarm);
    }
  }
  return changed;
}

/** DUE as a date, or a date-time in the reader's zone (with its VTIMEZONE), or none. */
function writeDue(
  calendar: ICAL.Component,
  master: ICAL.Component,
  task: Task,
  context: WriteContext,
) {
  master.removeAllProperties("due");
  if (!task.due_date) return;
  const [year = 1970, month = 1, day = 1] = task.due_date.split("-").map(Number);
  if (!task.due_time) {
    master.addPropertyWithValue("due", ICAL.Time.fromData({ year, month, day, isDate: true }));
    return;
  }
  const vtimezone = context.zone === "UTC" ? null : (context.vtimezone?.(context.zone) ?? null);
  if (vtimezone === null) {
    const instant = instantOf(task.due_date, task.due_time, context.zone);
    master.addPropertyWithValue("due", ICAL.Time.fromJSDate(new Date(instant), true));
    return;
  }
  const [hour = 0, minute = 0] = task.due_time.split(":").map(Number);
  const due = master.addPropertyWithValue(
    "due",
    ICAL.Time.fromData({ year, month, day, hour, minute, second: 0 }),
  );
  due.setParameter("tzid", context.zone);
  const known = calendar
    .getAllSubcomponents("vtimezone")
    .some((zone) => zone.getFirstPropertyValue("tzid") === context.zone);
  if (!known) {
    const component = new ICAL.Component(ICAL.parse(vtimezone) as unknown[]);
    calendar.addSubcomponent(component);
  }
}

/**
 * A client's DTSTART moved to the new DUE when the DUE now comes before it (RFC 5545 wants DUE
 * after DTSTART; a client may refuse a VTODO that has it the other way round).
 */
function startNoLaterThanDue(calendar: ICAL.Component, master: ICAL.Component, zone: string) {
  const start = master.getFirstProperty("dtstart");
  const due = master.getFirstProperty("due");
  if (!start || !due) return;
  let startAt: number | null;
  let dueAt: number | null;
  try {
    startAt = instantOfProperty(calendar, start, zone);
    dueAt = instantOfProperty(calendar, due, zone);
  } catch {
    return;
  }
  if (startAt === null || dueAt === null || startAt <= dueAt) return;
  const [, ...rest] = due.toJSON() as [string, ...unknown[]];
  master.removeProperty(start);
  master.addProperty(new ICAL.Property(["dtstart", ...rest]));
}

/** An iCalendar time as an instant: UTC, in its zone, or floating (and dates) in `zone`. */
function instantOfProperty(
  calendar: ICAL.Component,
  property: ICAL.Property | null,
  zone: string,
): number | null {
  const value = property?.getFirstValue();
  if (!property || !(value instanceof ICAL.Time)) return null;
  if (value.isDate) return instantOf(dateOf(value), "00:00", zone);
  return instantOfTime(calendar, property) ?? instantOf(dateOf(value), clockOf(value), zone);
}

/**
 * Whether a VTODO overlaps a time-range, by the table of RFC 4791 §9.9 (DTSTART, DURATION, DUE,
 * COMPLETED, CREATED). A recurring task is taken to reach into every range after its start.
 */
export function overlaps(
  { calendar, master }: Vtodo,
  zone: string,
  range: { start?: number; end?: number },
): boolean {
  const start = range.start ?? Number.NEGATIVE_INFINITY;
  const end = range.end ?? Number.POSITIVE_INFINITY;
  const at = (name: string) => instantOfProperty(calendar, master.getFirstProperty(name), zone);
  const dtstart = at("dtstart");
  const due = at("due");
  const completed = at("completed");
  const created = at("created");
  const duration = master.getFirstPropertyValue("duration");
  const recurring = master.hasProperty("rrule");
  if (dtstart !== null) {
    if (recurring) return end > dtstart;
    if (duration instanceof ICAL.Duration) {
      const until = dtstart + duration.toSeconds() * 1000;
      return start <= until && (end > dtstart || end >= until);
    }
    if (due !== null) return (start < due || start <= dtstart) && (end > dtstart || end >= due);
    return start <= dtstart && end > dtstart;
  }
  if (due !== null) return recurring ? end >= due : start < due && end >= due;
  if (completed !== null && created !== null)
    return (start <= created || start <= completed) && (end >= created || end >= completed);
  if (completed !== null) return start <= completed && end >= completed;
  if (created !== null) return end > created;
  return true;
}

/** A strong ETag of the bytes served. */
export const etagOf = (text: string) =>
  `"${createHash("sha256").update(text, "utf8").digest("base64url").slice(0, 27)}"`;
