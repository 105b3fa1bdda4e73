// Calendar dates as the person's own browser sees them. A due date is a calendar date
// (`YYYY-MM-DD`), so "today" and "overdue" are decided by comparing dates in local time, never
// by comparing instants (a task due today is not overdue at noon, in any time zone).

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

export function isOverdue(
  task: { completed: boolean; due_date: string | null },
  today: string,
): boolean {
  return !task.completed && task.due_date !== null && task.due_date < today;
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
