import type { Priority } from "@taskbridge/shared/task-rules";
import { addDays, describeDate, describeTime, localDate } from "./dates.ts";

// Quick add: what a person types in the title field ("Pay rent tomorrow 9am #home !high")
// becomes a title and fields. Dates come from a date parser (chrono-node, loaded on first use
// and passed in, so this stays pure and testable); tags, priorities and "every …" are words of
// their own. Text with none of these stays verbatim.

/** One date found in text, as the date parser reports it. */
export interface FoundDate {
  index: number;
  text: string;
  date: Date;
  /** The text named an hour ("9am"), not just a day. */
  hasTime: boolean;
  /** The text named a day ("tomorrow", "dec 24", "friday"), not just a time. */
  hasDay: boolean;
}
export type DateParser = (text: string, reference: Date) => FoundDate[];

export type ChipKind = "date" | "tag" | "priority" | "recurrence";
export interface Chip {
  /** Stable while the text around it is edited: the kind and the words it came from. */
  key: string;
  kind: ChipKind;
  label: string;
}

export interface QuickAdd {
  title: string;
  dueDate: string | null;
  dueTime: string | null;
  tags: string[];
  priority: Priority | null;
  recurrence: string | null;
  chips: Chip[];
}

interface Span {
  start: number;
  end: number;
  key: string;
}

const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const RRULE_DAYS = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"];
const UNITS: Record<string, string> = {
  day: "DAILY",
  week: "WEEKLY",
  month: "MONTHLY",
  year: "YEARLY",
};

const pad = (value: number) => String(value).padStart(2, "0");

/** "every …" as an RRULE, with the date it first falls on. */
function parseEvery(
  words: string,
  today: string,
): { rule: string; first: string; label: string } | null {
  const weekdayOf = (date: string) => new Date(`${date}T12:00:00`).getDay();
  const text = words.toLowerCase().replace(/\s+/g, " ").trim();
  if (text === "weekday") {
    let first = today;
    while ([0, 6].includes(weekdayOf(first))) first = addDays(first, 1);
    return { rule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", first, label: "Every weekday" };
  }
  const days = text
    .split(/,\s*|\s+and\s+/)
    .map((word) => WEEKDAYS.findIndex((day) => day === word || day.slice(0, 3) === word));
  if (days.length > 0 && days.every((day) => day >= 0)) {
    let first = today;
    while (!days.includes(weekdayOf(first))) first = addDays(first, 1);
    const names = days.map((day) => WEEKDAYS[day] ?? "");
    return {
      rule: `FREQ=WEEKLY;BYDAY=${days.map((day) => RRULE_DAYS[day] ?? "MO").join(",")}`,
      first,
      label: `Every ${names.map((name) => name.charAt(0).toUpperCase() + name.slice(1)).join(", ")}`,
    };
  }
  const unit = /^(?:(other|\d{1,3}) )?(day|week|month|year)s?$/.exec(text);
  if (unit?.[2]) {
    const interval = unit[1] === "other" ? 2 : unit[1] ? Number(unit[1]) : 1;
    if (interval < 1 || interval > 365) return null;
    const freq = UNITS[unit[2]] ?? "DAILY";
    return {
      rule: interval === 1 ? `FREQ=${freq}` : `FREQ=${freq};INTERVAL=${interval}`,
      first: today,
      label: interval === 1 ? `Every ${unit[2]}` : `Every ${interval} ${unit[2]}s`,
    };
  }
  return null;
}

const EVERY =
  /(?:^|\s)(every\s+((?:other|\d{1,3})\s+(?:days?|weeks?|months?|years?)|days?|weeks?|months?|years?|weekday|(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?)(?:(?:\s*,\s*|\s+and\s+)(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?))*))(?=\s|$)/i;
const TAG = /(?:^|\s)(#([^\s#!]{1,32}))(?=\s|$)/g;
const PRIORITY = /(?:^|\s)(!(high|medium|low))(?=\s|$)/i;

function normalizeWeekday(word: string): string {
  const lower = word.toLowerCase();
  return WEEKDAYS.find((day) => lower.startsWith(day.slice(0, 3))) ?? lower;
}

/**
 * Reads quick-add text. `removed` holds the keys of chips the person took off: their words
 * stay in the title as typed.
 */
export function parseQuickAdd(
  text: string,
  parseDates: DateParser | null,
  now: Date,
  removed: ReadonlySet<string> = new Set(),
): QuickAdd {
  const today = localDate(now);
  const spans: Span[] = [];
  const chips: Chip[] = [];
  const result: QuickAdd = {
    title: text.trim(),
    dueDate: null,
    dueTime: null,
    tags: [],
    priority: null,
    recurrence: null,
    chips,
  };
  const take = (start: number, end: number, chip: Chip) => {
    spans.push({ start, end, key: chip.key });
    chips.push(chip);
  };
  const overlaps = (start: number, end: number) =>
    spans.some((span) => start < span.end && end > span.start);

  const every = EVERY.exec(text);
  if (every?.[1] && every[2]) {
    const start = every.index + every[0].indexOf(every[1]);
    const words = every[2].replace(/\w+/g, (word) =>
      /^(mon|tue|wed|thu|fri|sat|sun)/i.test(word) ? normalizeWeekday(word) : word,
    );
    const parsed = parseEvery(words, today);
    const key = `recurrence:${every[1].toLowerCase()}`;
    if (parsed && !removed.has(key)) {
      take(start, start + every[1].length, { key, kind: "recurrence", label: parsed.label });
      result.recurrence = parsed.rule;
      result.dueDate = parsed.first;
    }
  }

  for (const match of text.matchAll(TAG)) {
    if (!match[1] || !match[2]) continue;
    const start = match.index + match[0].indexOf(match[1]);
    const key = `tag:${match[2].toLowerCase()}`;
    if (removed.has(key) || result.tags.some((tag) => tag.toLowerCase() === key.slice(4))) continue;
    take(start, start + match[1].length, { key, kind: "tag", label: `#${match[2]}` });
    result.tags.push(match[2]);
  }

  const priority = PRIORITY.exec(text);
  if (priority?.[1] && priority[2]) {
    const level = priority[2].toLowerCase();
    const key = `priority:${level}`;
    if ((level === "high" || level === "medium" || level === "low") && !removed.has(key)) {
      const start = priority.index + priority[0].indexOf(priority[1]);
      take(start, start + priority[1].length, {
        key,
        kind: "priority",
        label: `${level.charAt(0).toUpperCase()}${level.slice(1)} priority`,
      });
      result.priority = level;
    }
  }

  if (parseDates) {
    // Words already taken are blanked, keeping positions, so "every monday" is not a date too.
    let blanked = text;
    for (const span of spans)
      blanked =
        blanked.slice(0, span.start) + " ".repeat(span.end - span.start) + blanked.slice(span.end);
    for (const found of parseDates(blanked, now)) {
      const key = `date:${found.text.toLowerCase()}`;
      if (removed.has(key) || overlaps(found.index, found.index + found.text.length)) continue;
      // With a recurrence the rule says the day; the text may still say the time.
      if (result.recurrence && found.hasDay) continue;
      const time = found.hasTime
        ? `${pad(found.date.getHours())}:${pad(found.date.getMinutes())}`
        : null;
      if (!result.recurrence) result.dueDate = localDate(found.date);
      result.dueTime = time;
      take(found.index, found.index + found.text.length, {
        key,
        kind: "date",
        label: `${describeDate(result.dueDate ?? today, today)}${time ? ` ${describeTime(time)}` : ""}`,
      });
      break;
    }
  }

  // Chips in the order their words were typed.
  const at = new Map(spans.map((span) => [span.key, span.start]));
  chips.sort((a, b) => (at.get(a.key) ?? 0) - (at.get(b.key) ?? 0));
  if (spans.length === 0) return result;
  let title = "";
  let from = 0;
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    title += text.slice(from, span.start);
    from = span.end;
  }
  title += text.slice(from);
  title = title.replace(/\s+/g, " ").trim();
  // Only recognised words: keep the text as the title rather than save an empty one.
  if (!title)
    return {
      ...result,
      title: text.trim(),
      chips: [],
      dueDate: null,
      dueTime: null,
      tags: [],
      priority: null,
      recurrence: null,
    };
  return { ...result, title };
}
