// Wall clocks in IANA time zones, for CalDAV: a task's due date and time are the person's wall
// clock in their time zone (the "Time zone" account setting), while iCalendar may carry an
// instant (`DUE:…Z`) or a wall clock of another zone (`DUE;TZID=…`). Pure functions, no
// database.
import { tzlib_get_ical_block, tzlib_get_timezones } from "timezones-ical-library";

/** A wall clock: `YYYY-MM-DD` and `HH:MM` (24-hour). */
export interface WallClock {
  date: string;
  time: string;
}

const DAY_MS = 86_400_000;
const DATE = /^(-?\d{4,6})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2})(?::(\d{2}))?$/;

const formats = new Map<string, Intl.DateTimeFormat>();

/** One formatter per zone (making one costs far more than using it); throws for unknown zones. */
function formatOf(zone: string): Intl.DateTimeFormat {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      era: "short",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formats.set(zone, format);
  }
  return format;
}

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function fieldsIn(instantMs: number, zone: string): Fields {
  const values: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const part of formatOf(zone).formatToParts(instantMs)) values[part.type] = part.value;
  const number = (type: Intl.DateTimeFormatPartTypes) => Number(values[type] ?? 0);
  const year = number("year");
  return {
    // Years before 1 CE are written as "2 BC" and so on: year 0 is 1 BC.
    year: values.era === "BC" || values.era === "B" ? 1 - year : year,
    month: number("month"),
    day: number("day"),
    hour: number("hour") % 24,
    minute: number("minute"),
    second: number("second"),
  };
}

/** The milliseconds a wall clock would be at if it were UTC's. */
function utcMsOf(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second = 0,
) {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

/** How far the zone's wall clock is ahead of UTC at an instant, in milliseconds. */
function offsetAt(instantMs: number, zone: string): number {
  const whole = Math.floor(instantMs / 1000) * 1000;
  const f = fieldsIn(whole, zone);
  return utcMsOf(f.year, f.month, f.day, f.hour, f.minute, f.second) - whole;
}

const pad = (value: number, width = 2) =>
  (value < 0 ? "-" : "") + String(Math.abs(value)).padStart(width, "0");

/**
 * The wall-clock date and time of an instant in an IANA zone, e.g. 2026-12-05T18:30Z in
 * `Asia/Kolkata` is `{ date: "2026-12-06", time: "00:00" }`. Seconds are dropped, not rounded.
 * Throws a RangeError for a zone Intl does not know.
 */
export function wallClockIn(instantMs: number, zone: string): WallClock {
  const f = fieldsIn(instantMs, zone);
  return {
    date: `${pad(f.year, 4)}-${pad(f.month)}-${pad(f.day)}`,
    time: `${pad(f.hour)}:${pad(f.minute)}`,
  };
}

/**
 * The instant (UTC milliseconds) a wall-clock date (`YYYY-MM-DD`) and time (`HH:MM`, or
 * `HH:MM:SS`) happen at in an IANA zone. A time the clocks skip (in a DST gap, e.g. 02:30 on the
 * day `America/Los_Angeles` goes from 02:00 to 03:00) moves forward by the gap: 03:30. A time
 * that happens twice (when the clocks go back) is the earlier of the two. Throws a RangeError for
 * a malformed date or time or a zone Intl does not know.
 */
export function instantOf(date: string, time: string, zone: string): number {
  const d = DATE.exec(date);
  const t = TIME.exec(time);
  if (!d || !t) throw new RangeError(`Not a wall clock: ${date} ${time}`);
  const [year, month, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
  const [hour, minute, second] = [Number(t[1]), Number(t[2]), Number(t[3] ?? 0)];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59)
    throw new RangeError(`Not a wall clock: ${date} ${time}`);
  const wall = utcMsOf(year, month, day, hour, minute, second);
  if (new Date(wall).getUTCDate() !== day) throw new RangeError(`Not a date: ${date}`);

  // The offsets in force a day either side: a zone changes its offset at most once in between.
  const before = offsetAt(wall - DAY_MS, zone);
  const after = offsetAt(wall + DAY_MS, zone);
  const candidates = [...new Set([before, after])]
    .map((offset) => wall - offset)
    .filter((instant) => instant + offsetAt(instant, zone) === wall)
    .sort((a, b) => a - b);
  const [earliest] = candidates;
  if (earliest !== undefined) return earliest;
  // In a gap: read the wall clock with the offset from before the gap, which lands as far past
  // the gap's end as the time was past its start.
  return wall - before;
}

let known: Set<string> | undefined;

/**
 * The `VTIMEZONE` component for an IANA zone, from the maintained tz data of
 * `timezones-ical-library`, with CRLF line ends and no final line end; its `TZID` is `zone` as
 * given (so it matches a `DUE;TZID=<zone>` written beside it, links such as `Asia/Calcutta`
 * included). Null for a zone it does not know.
 */
export function vtimezoneOf(zone: string): string | null {
  known ??= new Set(tzlib_get_timezones() as string[]);
  if (!known.has(zone)) return null;
  const block = tzlib_get_ical_block(zone);
  const text = Array.isArray(block) ? block[0] : undefined;
  if (!text?.includes("BEGIN:VTIMEZONE")) return null;
  return text
    .replace(/^TZID:.*$/m, `TZID:${zone}`)
    .replace(/^X-LIC-LOCATION:.*$/m, `X-LIC-LOCATION:${zone}`);
}
