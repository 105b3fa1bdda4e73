// Calendar dates in local time. A due date is a calendar date (`YYYY-MM-DD`), so "today" and
// "overdue" are decided by comparing dates, never instants (a task due today is not overdue at
// noon, in any time zone). In the browser local time is the person's own; the API reads dates
// in a person's zone by passing a Date whose local fields are that zone's wall clock
// (`wallClockIn`).

const pad = (value: number) => String(value).padStart(2, "0");

/** The local calendar date of `now`, as `YYYY-MM-DD`. */
export function localDate(now: Date = new Date()): string {
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** A `YYYY-MM-DD` date as a local Date at noon (noon keeps it clear of DST edges). */
export function dateAtNoon(date: string): Date {
  const [year = 1970, month = 1, day = 1] = date.split("-").map(Number);
  return new Date(year, month - 1, day, 12);
}

export function addDays(date: string, days: number): string {
  const value = dateAtNoon(date);
  value.setDate(value.getDate() + days);
  return localDate(value);
}

/** Whole days from `from` to `to` (both `YYYY-MM-DD`). */
export function daysBetween(from: string, to: string): number {
  return Math.round((dateAtNoon(to).getTime() - dateAtNoon(from).getTime()) / 86_400_000);
}

/** How a due date reads on the board: "Today", "Tomorrow", a weekday this week, else a date. */
export function describeDate(date: string, today: string): string {
  const days = daysBetween(today, date);
  if (days === 0) return "Today";
  if (days === 1) return "Tomorrow";
  if (days === -1) return "Yesterday";
  const value = dateAtNoon(date);
  if (days > 1 && days < 7) return value.toLocaleDateString(undefined, { weekday: "long" });
  const sameYear = date.slice(0, 4) === today.slice(0, 4);
  return value.toLocaleDateString(undefined, {
    weekday: "short",
    month: "short",
    day: "numeric",
    ...(sameYear ? {} : { year: "numeric" }),
  });
}

/** `HH:MM` in the person's own clock style. */
export function describeTime(time: string): string {
  const [hours = 0, minutes = 0] = time.split(":").map(Number);
  return new Date(2000, 0, 1, hours, minutes).toLocaleTimeString(undefined, {
    hour: "numeric",
    minute: "2-digit",
  });
}

/**
 * A Date whose local fields (`getFullYear()`, `getHours()`, …) are the wall clock of `zone` at
 * `instant`, for reading dates in a zone other than the process's own. `today` (`YYYY-MM-DD`),
 * when given, replaces the date and keeps the time of day.
 */
export function wallClockIn(zone: string, instant: Date = new Date(), today?: string): Date {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  }).formatToParts(instant);
  const field = (type: Intl.DateTimeFormatPartTypes) =>
    Number(parts.find((part) => part.type === type)?.value ?? 0);
  const [year, month, day] = today
    ? today.split("-").map(Number)
    : [field("year"), field("month"), field("day")];
  const wall = new Date(2000, 0, 1, field("hour"), field("minute"), field("second"));
  wall.setFullYear(year ?? 2000, (month ?? 1) - 1, day ?? 1);
  return wall;
}

/** Whether `zone` is an IANA time zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
