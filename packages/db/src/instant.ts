import { customType } from "drizzle-orm/pg-core";

/**
 * PostgreSQL's text form of a `timestamptz` (DateStyle ISO): `0050-06-01 12:00:00.123+00`, with
 * an offset of hours, or hours and minutes, or (local mean time of old dates in a named zone)
 * hours, minutes and seconds, and ` BC` before year 1.
 */
const TIMESTAMPTZ =
  /^(\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?( BC)?$/;

/**
 * The instant a `timestamptz` text names. Not `new Date(text)`: JavaScript reads a year below 100
 * in such a string as 19xx or 20xx (`0001-01-01 00:00:00+00` is 2001), so the fields are read
 * here and the year set as written.
 */
export function parseTimestamptz(text: string): Date {
  if (text === "infinity") return new Date(8.64e15);
  if (text === "-infinity") return new Date(-8.64e15);
  const match = TIMESTAMPTZ.exec(text);
  if (!match) return new Date(Number.NaN);
  const [, year, month, day, hours, minutes, seconds, fraction, sign, offH, offM, offS, bc] = match;
  const date = new Date(0);
  const y = Number(year);
  date.setUTCFullYear(bc ? 1 - y : y, Number(month) - 1, Number(day));
  const milliseconds = Number((fraction ?? "").padEnd(3, "0").slice(0, 3));
  date.setUTCHours(Number(hours), Number(minutes), Number(seconds), milliseconds);
  const offset =
    ((Number(offH ?? 0) * 60 + Number(offM ?? 0)) * 60 + Number(offS ?? 0)) *
    (sign === "-" ? -1 : 1);
  return new Date(date.getTime() - offset * 1000);
}

/**
 * A `timestamp (3) with time zone` column (milliseconds, as the API reports times) read as a
 * Date with its year as stored, 0001 to 9999: Drizzle's own `timestamp` reads the years 0001 to
 * 0099 as 1950 to 2049.
 */
export const instant = customType<{ data: Date; driverData: string | Date }>({
  dataType: () => "timestamp (3) with time zone",
  fromDriver: (value) => (typeof value === "string" ? parseTimestamptz(value) : value),
  toDriver: (value) => value.toISOString(),
});
