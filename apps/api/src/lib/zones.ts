// Wall clocks of IANA time zones, through Intl: what a date and time read on a clock in a zone,
// and the instant such a reading names.

const formats = new Map<string, Intl.DateTimeFormat>();

function formatOf(zone: string): Intl.DateTimeFormat {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-CA", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formats.set(zone, format);
  }
  return format;
}

/** Whether `zone` is a time zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    formatOf(zone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock date and time (`YYYY-MM-DD`, `HH:MM`) of an instant in `zone`. */
export function wallClockIn(instantMs: number, zone: string): { date: string; time: string } {
  const parts = Object.fromEntries(
    formatOf(zone)
      .formatToParts(new Date(instantMs))
      .map((part) => [part.type, part.value]),
  );
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    time: `${parts.hour}:${parts.minute}`,
  };
}

/** The offset of `zone` from UTC at an instant, in milliseconds. */
function offsetAt(instantMs: number, zone: string): number {
  const parts = Object.fromEntries(
    formatOf(zone)
      .formatToParts(new Date(instantMs))
      .map((part) => [part.type, Number(part.value)]),
  );
  const asUtc = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return asUtc - (instantMs - (instantMs % 1000));
}

/**
 * The instant a wall-clock `date` and `time` (`HH:MM` or `HH:MM:SS`) name in `zone`. A time the
 * clock skips (a change to summer time) is read with the offset before the change, so it lands
 * after the gap, as a clock set forward would show it.
 */
export function instantOf(date: string, time: string, zone: string): number {
  const [year = 1970, month = 1, day = 1] = date.split("-").map(Number);
  const [hour = 0, minute = 0, second = 0] = time.split(":").map(Number);
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  const before = offsetAt(local - 86_400_000, zone);
  const first = local - before;
  if (offsetAt(first, zone) === before) return first;
  const after = offsetAt(local + 86_400_000, zone);
  const second_ = local - after;
  return offsetAt(second_, zone) === after ? second_ : first;
}
