import { addDays, describeDate, describeTime, localDate } from "./calendar.ts";
import type { Priority } from "./task-rules.ts";

// Quick add: what a person types in the title field ("Pay rent tomorrow 9am #home !high")
// becomes a title and fields. Dates come from a date parser (chrono-node, loaded on first use
// and passed in, so this stays pure and testable); tags, priorities, "every …" and `^list` are
// words of their own. Text with none of these stays verbatim.

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

export type ChipKind = "date" | "tag" | "priority" | "recurrence" | "list";
export interface Chip {
  /** Stable while the text around it is edited: the kind and the words it came from. */
  key: string;
  kind: ChipKind;
  label: string;
}

/** A list quick add may put a task in: the caller passes only those the person can write to. */
export interface QuickAddList {
  id: string;
  name: string;
}

export interface QuickAdd {
  title: string;
  dueDate: string | null;
  dueTime: string | null;
  tags: string[];
  priority: Priority | null;
  recurrence: string | null;
  /** The list named with `^`, or null: the caller decides where the task goes then. */
  listId: string | null;
  chips: Chip[];
}

interface Span {
  start: number;
  end: number;
  key: string;
  kind: ChipKind;
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
const timeOf = (date: Date) => `${pad(date.getHours())}:${pad(date.getMinutes())}`;

/** "every …" as an RRULE, with the date it first falls on, on or after `from`. */
function parseEvery(
  words: string,
  from: string,
): { rule: string; first: string; label: string } | null {
  const weekdayOf = (date: string) => new Date(`${date}T12:00:00`).getDay();
  const text = words.toLowerCase().replace(/\s+/g, " ").trim();
  if (text === "weekday") {
    let first = from;
    while ([0, 6].includes(weekdayOf(first))) first = addDays(first, 1);
    return { rule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", first, label: "Every weekday" };
  }
  const days = text
    .split(/,\s*|\s+and\s+/)
    .map((word) => WEEKDAYS.findIndex((day) => day === word || day.slice(0, 3) === word));
  if (days.length > 0 && days.every((day) => day >= 0)) {
    let first = from;
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
      first: from,
      label: interval === 1 ? `Every ${unit[2]}` : `Every ${interval} ${unit[2]}s`,
    };
  }
  return null;
}

const EVERY =
  /(?:^|\s)(every\s+((?:other|\d{1,3})\s+(?:days?|weeks?|months?|years?)|days?|weeks?|months?|years?|weekday|(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?)(?:(?:\s*,\s*|\s+and\s+)(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?))*))(?=\s|$)/i;
const TAG = /(?:^|\s)(#([^\s#!]{1,32}))(?=\s|$)/g;
/** What may follow "every …" to say when the series starts: "starting", "from". */
const STARTING = /^\s+(?:starting|starts|from)\s+(?=\S)/i;
const PRIORITY = /(?:^|\s)(!(high|medium|low))(?=\s|$)/i;

/** A `^` that starts a word and is followed by one. */
const LIST_MARK = /(?:^|\s)\^(?=\S)/g;
/** What may follow a list's name in the same word without being part of it: "^groceries,". */
const TRAILING = /^\p{P}+$/u;

const fold = (word: string) => word.normalize("NFC").toLowerCase();

interface ListMatch {
  list: QuickAddList;
  /** The name's words as compared: the chip's key. */
  words: string;
  /** Where the name ends in the text, before any trailing punctuation. */
  end: number;
}

/**
 * The list whose name the words from `from` spell out, case-insensitively. Names of several
 * words match word for word; where more than one name fits ("Weekly" and "Weekly shop"), the
 * longest wins, and between lists of the same name, the first given.
 */
function matchList(
  text: string,
  from: number,
  names: ReadonlyArray<{ list: QuickAddList; words: string[] }>,
): ListMatch | null {
  const most = Math.max(0, ...names.map((name) => name.words.length));
  const tokens: Array<{ index: number; word: string }> = [];
  const WORD = /\S+/g;
  WORD.lastIndex = from;
  for (let found = WORD.exec(text); found && tokens.length < most; found = WORD.exec(text))
    tokens.push({ index: found.index, word: found[0] });
  let best: ListMatch | null = null;
  let bestLength = 0;
  for (const { list, words } of names) {
    if (words.length <= bestLength || words.length > tokens.length) continue;
    const last = words.length - 1;
    if (!words.slice(0, last).every((word, at) => fold(tokens[at]?.word ?? "") === word)) continue;
    const token = tokens[last];
    const word = words[last];
    if (!token || word === undefined) continue;
    const typed = fold(token.word);
    const rest = typed.startsWith(word) ? typed.slice(word.length) : null;
    if (rest === null || (rest !== "" && !TRAILING.test(rest))) continue;
    best = { list, words: words.join(" "), end: token.index + token.word.length - rest.length };
    bestLength = words.length;
  }
  return best;
}

/** A weekday as "every …" takes it: "fri", "tues", "thursday" (not "month", "sundae"). */
const WEEKDAY_WORD = /^(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?$/i;

function normalizeWeekday(word: string): string {
  const lower = word.toLowerCase();
  return WEEKDAYS.find((day) => lower.startsWith(day.slice(0, 3))) ?? lower;
}

/**
 * Reads quick-add text. `removed` holds the keys of chips the person took off: their words
 * stay in the title as typed. `lists` are those `^name` may pick (see `matchList`); the first
 * `^name` that names one is read, and any other `^word` stays in the title.
 */
export function parseQuickAdd(
  text: string,
  parseDates: DateParser | null,
  now: Date,
  removed: ReadonlySet<string> = new Set(),
  lists: readonly QuickAddList[] = [],
): QuickAdd {
  const result = readWords(text, parseDates, now, removed, lists);
  // Only recognised words: keep the text as the title rather than save an empty one.
  if (result.title) return result;
  return {
    ...result,
    title: text.trim(),
    chips: [],
    dueDate: null,
    dueTime: null,
    tags: [],
    priority: null,
    recurrence: null,
    listId: null,
  };
}

/** A date as text names it, read by the same rules as quick add. */
export interface DateText {
  dueDate: string | null;
  dueTime: string | null;
  recurrence: string | null;
}

/** Words a date may hold around what is read: "every day at 9am", "on dec 24". */
const FILLER = /^(?:(?:at|on|in|the|of|,|-)\s*)*$/i;

/**
 * Text that is only a date ("tomorrow 5pm", "Dec 24", "every friday starting dec 11"), read as
 * quick add reads the date words of a title; null when some of it is not a date. `now`'s local
 * fields are the wall clock relative dates count from.
 */
export function readDateText(text: string, parseDates: DateParser, now: Date): DateText | null {
  const read = readWords(text, parseDates, now, new Set(), []);
  if (!FILLER.test(read.title) || read.tags.length > 0 || read.priority !== null) return null;
  if (read.dueDate === null && read.recurrence === null) {
    // A time alone ("5pm") is today's.
    if (read.dueTime === null) return null;
    return { dueDate: localDate(now), dueTime: read.dueTime, recurrence: null };
  }
  return { dueDate: read.dueDate, dueTime: read.dueTime, recurrence: read.recurrence };
}

/** The words of `text` read: what is left of it is the title, which may be empty. */
function readWords(
  text: string,
  parseDates: DateParser | null,
  now: Date,
  removed: ReadonlySet<string>,
  lists: readonly QuickAddList[],
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
    listId: null,
    chips,
  };
  const take = (start: number, end: number, chip: Chip) => {
    spans.push({ start, end, key: chip.key, kind: chip.kind });
    chips.push(chip);
  };
  const overlaps = (start: number, end: number) =>
    spans.some((span) => start < span.end && end > span.start);

  // The list first: its name may hold words that would read as something else ("^Every day").
  const names = lists
    .map((list) => ({ list, words: fold(list.name).split(/\s+/).filter(Boolean) }))
    .filter((name) => name.words.length > 0);
  if (names.length > 0)
    for (const mark of text.matchAll(LIST_MARK)) {
      const start = mark.index + mark[0].length - 1;
      const found = matchList(text, start + 1, names);
      if (!found) continue;
      const key = `list:${found.words}`;
      if (removed.has(key)) continue;
      take(start, found.end, { key, kind: "list", label: `List: ${found.list.name}` });
      result.listId = found.list.id;
      break;
    }

  const every = EVERY.exec(text);
  if (every?.[1] && every[2]) {
    const start = every.index + every[0].indexOf(every[1]);
    let end = start + every[1].length;
    const words = every[2].replace(/\w+/g, (word) =>
      WEEKDAY_WORD.test(word) ? normalizeWeekday(word) : word,
    );
    // "every friday starting dec 11": the series starts on the first day of the rule from then.
    let from = today;
    let startTime: string | null = null;
    const starting = STARTING.exec(text.slice(end));
    const startDate = starting
      ? parseDates?.(text.slice(end + starting[0].length), now).find((found) => found.index === 0)
      : undefined;
    if (starting && startDate?.hasDay) {
      from = localDate(startDate.date);
      if (startDate.hasTime) startTime = timeOf(startDate.date);
      end += starting[0].length + startDate.text.length;
    }
    const parsed = parseEvery(words, from);
    const key = `recurrence:${text.slice(start, end).toLowerCase()}`;
    if (parsed && !removed.has(key) && !overlaps(start, end)) {
      const label =
        from === today ? parsed.label : `${parsed.label} from ${describeDate(parsed.first, today)}`;
      take(start, end, { key, kind: "recurrence", label });
      result.recurrence = parsed.rule;
      result.dueDate = parsed.first;
      result.dueTime = startTime;
    }
  }

  for (const match of text.matchAll(TAG)) {
    if (!match[1] || !match[2]) continue;
    const start = match.index + match[0].indexOf(match[1]);
    const key = `tag:${match[2].toLowerCase()}`;
    if (
      removed.has(key) ||
      overlaps(start, start + match[1].length) ||
      result.tags.some((tag) => tag.toLowerCase() === key.slice(4))
    )
      continue;
    take(start, start + match[1].length, { key, kind: "tag", label: `#${match[2]}` });
    result.tags.push(match[2]);
  }

  const priority = PRIORITY.exec(text);
  if (priority?.[1] && priority[2]) {
    const level = priority[2].toLowerCase();
    const key = `priority:${level}`;
    const start = priority.index + priority[0].indexOf(priority[1]);
    if (
      (level === "high" || level === "medium" || level === "low") &&
      !removed.has(key) &&
      !overlaps(start, start + priority[1].length)
    ) {
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
      const time = found.hasTime ? timeOf(found.date) : null;
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
  let after: ChipKind | null = null;
  const keep = (words: string) => {
    // Punctuation typed right after a list's name ("^groceries,") joins the words before it.
    if (after === "list" && /^\S/.test(words)) {
      title = title.trimEnd();
      if (!title.trim()) words = words.replace(/^\p{P}+/u, "");
    }
    title += words;
  };
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    keep(text.slice(from, span.start));
    from = span.end;
    after = span.kind;
  }
  keep(text.slice(from));
  title = title.replace(/\s+/g, " ").trim();
  return { ...result, title };
}
