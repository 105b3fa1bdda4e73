import { describe, expect, it } from "vitest";
import { parseDates } from "../src/chrono-dates.ts";
import { parseQuickAdd, readDateText, type QuickAddList } from "../src/quick-add.ts";

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
    // "month" starts like "monday" but is not one.
    expect(parse("Pay rent every month")).toMatchObject({
      title: "Pay rent",
      recurrence: "FREQ=MONTHLY",
      dueDate: "2026-11-25",
    });
    expect(parse("Invoice every 2 months").recurrence).toBe("FREQ=MONTHLY;INTERVAL=2");
    expect(parse("Budget every other month").recurrence).toBe("FREQ=MONTHLY;INTERVAL=2");
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

  describe("lists", () => {
    const lists: QuickAddList[] = [
      { id: "inbox", name: "Inbox" },
      { id: "groceries", name: "Groceries" },
      { id: "weekly", name: "Weekly" },
      { id: "weekly-shop", name: "Weekly  shop" },
      { id: "groceries-2", name: "groceries" },
    ];
    const read = (text: string, removed: string[] = []) =>
      parseQuickAdd(text, parseDates, now, new Set(removed), lists);

    it("reads the spec's example", () => {
      const result = read("Milk ^groceries #dairy tomorrow");
      expect(result).toMatchObject({
        title: "Milk",
        listId: "groceries",
        tags: ["dairy"],
        dueDate: "2026-11-26",
      });
      expect(result.chips).toEqual([
        { key: "list:groceries", kind: "list", label: "List: Groceries" },
        { key: "tag:dairy", kind: "tag", label: "#dairy" },
        { key: "date:tomorrow", kind: "date", label: "Tomorrow" },
      ]);
    });

    it("matches names in any case, the first of lists with the same name", () => {
      expect(read("Milk ^GROCERIES")).toMatchObject({ title: "Milk", listId: "groceries" });
      expect(read("^inbox Call mum")).toMatchObject({ title: "Call mum", listId: "inbox" });
    });

    it("reads the longest name the words spell out", () => {
      expect(read("Bread ^weekly shop !low")).toMatchObject({
        title: "Bread",
        listId: "weekly-shop",
        priority: "low",
      });
      expect(read("Bread ^Weekly   SHOP").chips).toEqual([
        { key: "list:weekly shop", kind: "list", label: "List: Weekly  shop" },
      ]);
      // Anything else after the shorter name leaves it the shorter one.
      expect(read("^weekly shopping list")).toMatchObject({
        title: "shopping list",
        listId: "weekly",
      });
      expect(read("Shop ^weekly, then cook")).toMatchObject({
        title: "Shop, then cook",
        listId: "weekly",
      });
    });

    it("leaves punctuation after the name in the title", () => {
      expect(read("Buy milk ^groceries, eggs")).toMatchObject({
        title: "Buy milk, eggs",
        listId: "groceries",
      });
      expect(read("Buy milk ^groceries.")).toMatchObject({
        title: "Buy milk.",
        listId: "groceries",
      });
      expect(read("^groceries: milk")).toMatchObject({ title: "milk", listId: "groceries" });
    });

    it("keeps an unknown ^word, and one without a list, verbatim", () => {
      for (const text of ["Milk ^dairy", "2^10 is 1024", "Milk ^ groceries", "Milk ^groceriesx"]) {
        const result = read(text);
        expect(result.title).toBe(text);
        expect(result.listId).toBeNull();
        expect(result.chips).toEqual([]);
      }
      expect(parse("Milk ^groceries")).toMatchObject({ title: "Milk ^groceries", listId: null });
    });

    it("reads the first ^name that names a list; a second stays in the title", () => {
      expect(read("Milk ^dairy ^groceries ^weekly")).toMatchObject({
        title: "Milk ^dairy ^weekly",
        listId: "groceries",
      });
    });

    it("puts the words of a removed list chip back in the title", () => {
      expect(read("Milk ^groceries tomorrow", ["list:groceries"])).toMatchObject({
        title: "Milk ^groceries",
        listId: null,
        dueDate: "2026-11-26",
      });
      // The whole name goes back, not a shorter one of its words.
      expect(read("Bread ^weekly shop", ["list:weekly shop"])).toMatchObject({
        title: "Bread ^weekly shop",
        listId: null,
        chips: [],
      });
    });

    it("reads a list's name before the words in it", () => {
      const named = [{ id: "daily", name: "Every day" }];
      expect(
        parseQuickAdd("Stretch ^every day !high", parseDates, now, new Set(), named),
      ).toMatchObject({
        title: "Stretch",
        listId: "daily",
        recurrence: null,
        dueDate: null,
        priority: "high",
      });
    });

    it("keeps a title that is only a list as typed", () => {
      expect(read("^groceries")).toMatchObject({ title: "^groceries", listId: null, chips: [] });
    });
  });

  it('starts a series on the date after "starting" or "from"', () => {
    expect(parse("Payroll every friday starting dec 11")).toMatchObject({
      title: "Payroll",
      recurrence: "FREQ=WEEKLY;BYDAY=FR",
      dueDate: "2026-12-11",
      dueTime: null,
    });
    // The first day the rule falls on, from that date: 2026-12-12 is a Saturday.
    expect(parse("Run every mon and thu from 2026-12-12 07:30")).toMatchObject({
      title: "Run",
      recurrence: "FREQ=WEEKLY;BYDAY=MO,TH",
      dueDate: "2026-12-14",
      dueTime: "07:30",
    });
    expect(parse("Rent every month starting 2027-01-05")).toMatchObject({
      recurrence: "FREQ=MONTHLY",
      dueDate: "2027-01-05",
    });
    // "starting" with no date after it stays in the title.
    expect(parse("Review every week starting soon")).toMatchObject({
      title: "Review starting soon",
      recurrence: "FREQ=WEEKLY",
      dueDate: "2026-11-25",
    });
  });

  describe("a date on its own", () => {
    const date = (text: string) => readDateText(text, parseDates, now);

    it.each([
      ["tomorrow 5pm", { dueDate: "2026-11-26", dueTime: "17:00", recurrence: null }],
      ["Dec 24", { dueDate: "2026-12-24", dueTime: null, recurrence: null }],
      ["2027-03-01", { dueDate: "2027-03-01", dueTime: null, recurrence: null }],
      [
        "every friday",
        { dueDate: "2026-11-27", dueTime: null, recurrence: "FREQ=WEEKLY;BYDAY=FR" },
      ],
      ["every day at 9am", { dueDate: "2026-11-25", dueTime: "09:00", recurrence: "FREQ=DAILY" }],
      [
        "every 2 weeks starting 2026-12-02 08:00",
        { dueDate: "2026-12-02", dueTime: "08:00", recurrence: "FREQ=WEEKLY;INTERVAL=2" },
      ],
      ["5pm", { dueDate: "2026-11-25", dueTime: "17:00", recurrence: null }],
    ])("reads %s", (text, expected) => {
      expect(date(text)).toEqual(expected);
    });

    it.each(["someday maybe", "", "tomorrow or later", "every full moon", "#home tomorrow"])(
      "reads nothing of %j",
      (text) => {
        expect(date(text)).toBeNull();
      },
    );
  });
});
