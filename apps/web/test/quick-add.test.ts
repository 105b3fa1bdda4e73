import { describe, expect, it } from "vitest";
import { parseDates } from "../src/lib/chrono-dates.ts";
import { parseQuickAdd } from "../src/lib/quick-add.ts";

// Wednesday 25 November 2026, 13:00 local time.
const now = new Date(2026, 10, 25, 13, 0);
const parse = (text: string, removed: string[] = []) =>
  parseQuickAdd(text, parseDates, now, new Set(removed));

describe("quick add", () => {
  it("reads the spec's example", () => {
    const result = parse("Pay rent tomorrow 9am #home !high");
    expect(result).toMatchObject({
      title: "Pay rent",
      dueDate: "2026-11-26",
      dueTime: "09:00",
      tags: ["home"],
      priority: "high",
      recurrence: null,
    });
    expect(result.chips.map((chip) => chip.kind).sort()).toEqual(["date", "priority", "tag"]);
  });

  it.each([
    ["Call mum today", "2026-11-25"],
    ["Ship it next friday", "2026-12-04"],
    ["Renew passport in 3 days", "2026-11-28"],
    ["Buy presents dec 24", "2026-12-24"],
  ])("reads the date of %s", (text, date) => {
    const result = parse(text);
    expect(result.dueDate).toBe(date);
    expect(result.dueTime).toBeNull();
    expect(result.title).not.toMatch(/today|friday|days|dec/);
  });

  it("reads recurrences as RRULEs, due on the first day they fall on", () => {
    expect(parse("Standup every monday")).toMatchObject({
      title: "Standup",
      recurrence: "FREQ=WEEKLY;BYDAY=MO",
      dueDate: "2026-11-30",
    });
    expect(parse("Water plants every 3 days")).toMatchObject({
      recurrence: "FREQ=DAILY;INTERVAL=3",
      dueDate: "2026-11-25",
    });
    expect(parse("Gym every mon and thu 7am")).toMatchObject({
      title: "Gym",
      recurrence: "FREQ=WEEKLY;BYDAY=MO,TH",
      dueDate: "2026-11-26",
      dueTime: "07:00",
    });
    expect(parse("Review every weekday").recurrence).toBe("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR");
  });

  it("keeps text with nothing to read verbatim", () => {
    for (const text of ["Read chapter 4", "Buy 2 apples", "Email everyone", "C# notes!"]) {
      const result = parse(text);
      expect(result.title).toBe(text);
      expect(result.chips).toEqual([]);
      expect(result.dueDate).toBeNull();
    }
  });

  it("puts the words of a removed chip back in the title", () => {
    const first = parse("Pay rent tomorrow #home");
    const tag = first.chips.find((chip) => chip.kind === "tag");
    const date = first.chips.find((chip) => chip.kind === "date");
    expect(parse("Pay rent tomorrow #home", [tag?.key ?? ""])).toMatchObject({
      title: "Pay rent #home",
      tags: [],
      dueDate: "2026-11-26",
    });
    expect(parse("Pay rent tomorrow #home", [date?.key ?? ""])).toMatchObject({
      title: "Pay rent tomorrow",
      dueDate: null,
    });
  });

  it("works before the date parser has loaded", () => {
    expect(parseQuickAdd("Pay rent tomorrow #home", null, now)).toMatchObject({
      title: "Pay rent tomorrow",
      tags: ["home"],
      dueDate: null,
    });
  });
});
