// Calendar dates as the person's own browser sees them: the shared calendar helpers, read in
// the browser's local time, and what only the board needs.
export {
  addDays,
  dateAtNoon,
  daysBetween,
  describeDate,
  describeTime,
  localDate,
} from "@taskbridge/shared/calendar";

export function isOverdue(
  task: { completed: boolean; due_date: string | null },
  today: string,
): boolean {
  return !task.completed && task.due_date !== null && task.due_date < today;
}
