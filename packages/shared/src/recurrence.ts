import rrule from "rrule";

// Recurring tasks: an RFC 5545 RRULE limited to what a task list needs. Parsing is rrule's;
// this module only narrows what it accepts to the subset of the contract and computes the
// next occurrence of a calendar date.

const { RRule } = rrule;
type Options = ReturnType<typeof RRule.parseString>;

const FREQUENCIES = new Map<number, string>([
  [RRule.DAILY, "DAILY"],
  [RRule.WEEKLY, "WEEKLY"],
  [RRule.MONTHLY, "MONTHLY"],
  [RRule.YEARLY, "YEARLY"],
]);
const ALLOWED_KEYS = new Set(["FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "COUNT", "UNTIL"]);
// Only what the subset allows: keys and values in upper case, no DTSTART or RRULE: prefix lines.
const SHAPE = /^[A-Z]+=[A-Z0-9,+-]+(;[A-Z]+=[A-Z0-9,+-]+)*$/;
const UNTIL = /^\d{8}(T\d{6}Z?)?$/;

export const RECURRENCE_EXAMPLE = "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH";

const isIntegerIn = (value: unknown, min: number, max: number): value is number =>
  typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;

/** Why `rule` is outside the supported subset, or null when it is fine. */
export function recurrenceProblem(rule: string): string | null {
  if (!SHAPE.test(rule)) return "Must be an RRULE such as FREQ=WEEKLY;BYDAY=MO,TH";
  const keys = rule.split(";").map((part) => part.slice(0, part.indexOf("=")));
  for (const key of keys) {
    if (!ALLOWED_KEYS.has(key))
      return `${key} is not supported (use FREQ, INTERVAL, BYDAY, BYMONTHDAY, COUNT, UNTIL)`;
  }
  if (new Set(keys).size !== keys.length) return "Each part may appear once";
  const untilText = /(?:^|;)UNTIL=([^;]*)/.exec(rule)?.[1];
  if (untilText !== undefined && !UNTIL.test(untilText)) return "UNTIL must be a date (YYYYMMDD)";
  let options: Options;
  try {
    options = RRule.parseString(rule);
  } catch {
    return "Must be an RRULE such as FREQ=WEEKLY;BYDAY=MO,TH";
  }
  if (options.freq === undefined || !FREQUENCIES.has(options.freq))
    return "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY";
  if (options.interval !== undefined && !isIntegerIn(options.interval, 1, 365))
    return "INTERVAL must be an integer from 1 to 365";
  if (options.count !== undefined && options.count !== null && !isIntegerIn(options.count, 1, 1000))
    return "COUNT must be an integer from 1 to 1000";
  if (options.count != null && options.until != null) return "COUNT and UNTIL exclude each other";
  if (options.until != null && Number.isNaN(options.until.getTime()))
    return "UNTIL must be a date (YYYYMMDD)";
  if (options.byweekday != null) {
    if (options.freq !== RRule.WEEKLY) return "BYDAY is only supported with FREQ=WEEKLY";
    const days = Array.isArray(options.byweekday) ? options.byweekday : [options.byweekday];
    const plain = days.every(
      (day) => typeof day === "object" && day !== null && day.n === undefined,
    );
    if (!plain) return "BYDAY takes days MO, TU, WE, TH, FR, SA, SU";
  }
  if (options.bymonthday != null) {
    if (options.freq !== RRule.MONTHLY) return "BYMONTHDAY is only supported with FREQ=MONTHLY";
    const days = Array.isArray(options.bymonthday) ? options.bymonthday : [options.bymonthday];
    if (!days.every((day) => day === -1 || isIntegerIn(day, 1, 31)))
      return "BYMONTHDAY takes days 1 to 31, or -1 for the last day";
  }
  return null;
}

function toUtcDate(date: string): Date {
  return new Date(`${date}T00:00:00.000Z`);
}

/**
 * Years a date is moved by while rrule reckons with it: rrule builds its dates with `Date.UTC`,
 * which reads the years 0 to 99 as 1900 to 1999. The Gregorian calendar repeats every 400 years
 * (weekdays and leap days alike), so five cycles later every rule gives the same days.
 */
const YEARS_SHIFTED = 2000;

/** `date` (`YYYY-MM-DD`) moved by `years` whole years, same month and day. */
function shiftYears(date: string, years: number): string {
  return `${String(Number(date.slice(0, 4)) + years).padStart(4, "0")}${date.slice(4)}`;
}

/** The UNTIL of `rule` as a `YYYY-MM-DD` date, read from its text as written. */
function untilOf(rule: string): string | null {
  const until = /(?:^|;)UNTIL=(\d{4})(\d{2})(\d{2})/.exec(rule);
  return until ? `${until[1]}-${until[2]}-${until[3]}` : null;
}

/**
 * The first date of `rule` strictly after `dueDate` (both `YYYY-MM-DD`), counting the series
 * from `dueDate`, or null when the series ends first. `occurrence` is the position of `dueDate`
 * in its series (1 for the first task), so that COUNT ends it.
 */
export function nextOccurrence(rule: string, dueDate: string, occurrence: number): string | null {
  const options = RRule.parseString(rule);
  if (options.count != null && occurrence >= options.count) return null;
  // A date before the year 100 is reckoned five 400-year cycles later, and moved back.
  const shift = Number(dueDate.slice(0, 4)) < 100 ? YEARS_SHIFTED : 0;
  const start = toUtcDate(shiftYears(dueDate, shift));
  // rrule reads dates as floating UTC; the count is enforced above, from the series' length, and
  // UNTIL below, from the rule's text (rrule would read UNTIL=00500102 as 1950).
  const next = new RRule({ ...options, count: null, until: null, dtstart: start }).after(
    start,
    false,
  );
  if (!next) return null;
  const nextDate = shiftYears(next.toISOString().slice(0, 10), -shift);
  const until = untilOf(rule);
  if (until !== null && nextDate > until) return null;
  return nextDate;
}

/** Whole days from `from` to `to` (`YYYY-MM-DD`). */
export function daysBetween(from: string, to: string): number {
  return Math.round((toUtcDate(to).getTime() - toUtcDate(from).getTime()) / 86_400_000);
}
