import { describe, expect, it } from "vitest";
import type { TaskAnswer, TaskStatsAnswer } from "@taskbridge/shared/task-mini";
import { linkTarget, listQueryString, nextCursorFromLink } from "../src/lib/api-client.ts";
import { addDays, describeDate, isOverdue, localDate } from "../src/lib/dates.ts";
import type { ListAnswer } from "@taskbridge/shared/list-mini";
import {
  openDescendants,
  patchLists,
  patchParents,
  patchStats,
  placeTask,
  type TaskPages,
} from "../src/lib/task-cache.ts";
import { treeRows } from "../src/lib/task-tree.ts";
import {
  changedFields,
  draftToInput,
  emptyDraft,
  parseTags,
  revalidate,
  validateDraft,
} from "../src/lib/task-draft.ts";
import {
  listParams,
  readBoardParams,
  writeBoardParams,
  DEFAULT_FILTERS,
} from "../src/lib/views.ts";

const task = (id: string, overrides: Partial<TaskAnswer> = {}): TaskAnswer => ({
  id,
  user_id: "u",
  title: id,
  description: null,
  completed: false,
  priority: "medium",
  due_date: null,
  due_time: null,
  recurrence: null,
  remind_at: null,
  reminded_at: null,
  previous_id: null,
  list_id: "0193a5b2-7c1e-7d2a-9b1f-2c3d4e5f6a7b",
  parent_id: null,
  assignee_id: null,
  created_by: null,
  subtask_count: 0,
  completed_subtask_count: 0,
  tags: [],
  created_at: `2026-01-01T00:00:0${id.length}.000Z`,
  updated_at: "2026-01-01T00:00:00.000Z",
  ...overrides,
});
const LIST = "0193a5b2-7c1e-7d2a-9b1f-2c3d4e5f6a7b";
const OTHER_LIST = "0193a5b2-7c1e-7d2a-9b1f-000000000002";
const ids = (data: TaskPages | undefined) => data?.pages.map((page) => page.tasks.map((t) => t.id));
const TODAY = "2026-03-10";

const pages = (...lists: Array<[TaskAnswer[], string | null]>): TaskPages => ({
  pages: lists.map(([tasks, nextCursor]) => ({ tasks, nextCursor })),
  pageParams: lists.map((_, index) => (index === 0 ? null : `c${index}`)),
});

describe("placing a changed task in cached lists", () => {
  const today = listParams("today", DEFAULT_FILTERS, TODAY);

  it("drops a task ticked off from Today, and keeps it in All, ticked", () => {
    const a = task("a", { due_date: "2026-03-09" });
    const b = task("b", { due_date: TODAY });
    const data = pages([[a, b], null]);
    const done = { ...b, completed: true };
    expect(ids(placeTask(data, today, { before: b, after: done }))).toEqual([["a"]]);
    const all = listParams("all", { ...DEFAULT_FILTERS, sort: "title" }, TODAY);
    const placed = placeTask(data, all, { before: b, after: done });
    expect(placed?.pages[0]?.tasks.map((t) => [t.id, t.completed])).toEqual([
      ["a", false],
      ["b", true],
    ]);
  });

  it("inserts in the list's order, and leaves one past the loaded pages to them", () => {
    const data = pages([[task("a"), task("c")], "c1"]);
    const byTitle = listParams("all", { ...DEFAULT_FILTERS, sort: "title" }, TODAY);
    expect(ids(placeTask(data, byTitle, { before: null, after: task("b") }))).toEqual([
      ["a", "b", "c"],
    ]);
    expect(ids(placeTask(data, byTitle, { before: null, after: task("d") }))).toEqual([["a", "c"]]);
    const last = pages([[task("a"), task("c")], null]);
    expect(ids(placeTask(last, byTitle, { before: null, after: task("d") }))).toEqual([
      ["a", "c", "d"],
    ]);
  });

  it("orders Today by date, undated never, and matches tags in any case", () => {
    const data = pages([[task("a", { due_date: "2026-03-01" })], null]);
    expect(
      ids(placeTask(data, today, { before: null, after: task("n", { due_date: "2026-02-01" }) })),
    ).toEqual([["n", "a"]]);
    expect(ids(placeTask(data, today, { before: null, after: task("u") }))).toEqual([["a"]]);
    const tagged = listParams("all", { ...DEFAULT_FILTERS, tag: "Home" }, TODAY);
    expect(
      ids(
        placeTask(pages([[], null]), tagged, {
          before: null,
          after: task("t", { tags: ["HOME"] }),
        }),
      ),
    ).toEqual([["t"]]);
  });

  it("orders a day of Today and Upcoming as the API does: all-day first, then by time", () => {
    const day = pages([
      [
        task("a", { due_date: TODAY }),
        task("b", { due_date: TODAY, due_time: "09:00" }),
        task("c", { due_date: TODAY, due_time: "17:00" }),
      ],
      null,
    ]);
    const place = (made: TaskAnswer) => ids(placeTask(day, today, { before: null, after: made }));
    expect(place(task("z", { due_date: TODAY }))).toEqual([["a", "z", "b", "c"]]);
    expect(place(task("0", { due_date: TODAY }))).toEqual([["0", "a", "b", "c"]]);
    expect(place(task("n", { due_date: TODAY, due_time: "12:00" }))).toEqual([
      ["a", "b", "n", "c"],
    ]);
    expect(place(task("m", { due_date: TODAY, due_time: "08:59" }))).toEqual([
      ["a", "m", "b", "c"],
    ]);
    // All uses sort=due_date without a view: the contract's order, by date then id.
    const all = listParams("all", { ...DEFAULT_FILTERS, sort: "due_date" }, TODAY);
    expect(
      ids(
        placeTask(day, all, {
          before: null,
          after: task("n", { due_date: TODAY, due_time: "12:00" }),
        }),
      ),
    ).toEqual([["a", "b", "c", "n"]]);
  });

  it("removes a deleted task wherever it is", () => {
    const data = pages([[task("a")], "c1"], [[task("b")], null]);
    expect(ids(placeTask(data, {}, { before: task("b"), after: null }))).toEqual([["a"], []]);
  });
});

describe("patching the counts", () => {
  const stats: TaskStatsAnswer = {
    all: 3,
    pending: 2,
    completed: 1,
    overdue: 1,
    today: 1,
    upcoming: 1,
    no_due_date: 0,
  };
  it("moves a ticked overdue task from Today to Completed", () => {
    const before = task("a", { due_date: "2026-03-01" });
    expect(patchStats(stats, { before, after: { ...before, completed: true } }, TODAY)).toEqual({
      ...stats,
      pending: 1,
      completed: 2,
      overdue: 0,
      today: 0,
    });
  });
  it("counts a new and a deleted task", () => {
    const due = task("b", { due_date: TODAY });
    expect(patchStats(stats, { before: null, after: due }, TODAY)).toMatchObject({
      all: 4,
      pending: 3,
      today: 2,
      overdue: 1,
    });
    expect(patchStats(stats, { before: due, after: null }, TODAY)).toMatchObject({
      all: 2,
      today: 0,
    });
  });
});

describe("dates in the person's time zone", () => {
  it("never calls a task due today overdue", () => {
    expect(isOverdue({ completed: false, due_date: TODAY }, TODAY)).toBe(false);
    expect(isOverdue({ completed: false, due_date: "2026-03-09" }, TODAY)).toBe(true);
    expect(isOverdue({ completed: true, due_date: "2026-03-09" }, TODAY)).toBe(false);
    expect(isOverdue({ completed: false, due_date: null }, TODAY)).toBe(false);
  });
  it("names near days and steps over month ends", () => {
    expect(localDate(new Date(2026, 0, 31, 23, 59))).toBe("2026-01-31");
    expect(addDays("2026-02-28", 1)).toBe("2026-03-01");
    expect(describeDate(TODAY, TODAY)).toBe("Today");
    expect(describeDate("2026-03-11", TODAY)).toBe("Tomorrow");
  });
});

describe("the task form", () => {
  const draft = {
    ...emptyDraft,
    title: "  Plan  ",
    priority: "high" as const,
    dueDate: "2026-02-01",
    tags: "a, #b, A, ",
  };
  it("checks the API's limits and turns a draft into a request body", () => {
    expect(validateDraft(draft)).toEqual({});
    expect(validateDraft({ ...draft, title: " " })).toHaveProperty("title");
    expect(validateDraft({ ...draft, title: "x".repeat(201) })).toHaveProperty("title");
    expect(validateDraft({ ...draft, tags: "x".repeat(33) })).toHaveProperty("tags");
    expect(validateDraft({ ...draft, dueDate: "", recurrence: "FREQ=DAILY" })).toHaveProperty(
      "recurrence",
    );
    expect(draftToInput(draft)).toEqual({
      title: "Plan",
      description: null,
      priority: "high",
      due_date: "2026-02-01",
      due_time: null,
      recurrence: null,
      remind_at: null,
      tags: ["a", "b"],
    });
    expect(parseTags(" ,x, y ,X")).toEqual(["x", "y"]);
  });
  it("drops a message as soon as its field is fixed", () => {
    const errors = validateDraft({ ...draft, title: "" });
    expect(revalidate(errors, { ...draft, title: "ok" })).toEqual({});
    expect(revalidate({}, { ...draft, title: "" })).toEqual({});
  });
  it("sends only what changed", () => {
    const before = task("a", { title: "a", tags: ["x"] });
    expect(
      changedFields(before, {
        ...draftToInput({ ...emptyDraft, title: "a", tags: "x" }),
        priority: "high",
      }),
    ).toEqual({ priority: "high" });
  });
});

describe("the URL and the API's query strings", () => {
  it("keeps the view and filters in the URL, reading unknown values as defaults", () => {
    const filters = { ...DEFAULT_FILTERS, tag: "home", sort: "title" as const };
    expect(readBoardParams(new URLSearchParams(writeBoardParams("all", filters)))).toEqual({
      view: "all",
      filters,
      list: null,
    });
    expect(readBoardParams(new URLSearchParams("view=nope&sort=evil")).view).toBe("today");
  });
  it("keeps an open list with the view it came from, and opens none for a malformed id", () => {
    const filters = { ...DEFAULT_FILTERS, q: "milk", sort: "title" as const };
    const written = writeBoardParams("upcoming", filters, LIST);
    expect(readBoardParams(new URLSearchParams(written))).toEqual({
      view: "upcoming",
      filters,
      list: LIST,
    });
    expect(readBoardParams(new URLSearchParams("list=../../etc")).list).toBeNull();
    // A list shows all its tasks, with the filters and the sort of All.
    expect(listParams("today", filters, TODAY, LIST)).toEqual({
      q: "milk",
      list: LIST,
      sort: "title",
    });
  });
  it("reads Link headers", () => {
    expect(
      nextCursorFromLink('<http://api.test/api/tasks?sort=-created&cursor=abc_123>; rel="next"'),
    ).toBe("abc_123");
    expect(nextCursorFromLink(null)).toBeNull();
    expect(linkTarget('</api/tasks/x>; rel="next-occurrence"', "next-occurrence")).toBe(
      "/api/tasks/x",
    );
  });
  it("builds the query string without empty filters", () => {
    expect(listQueryString({ status: "pending", q: "" }, "cur")).toBe("status=pending&cursor=cur");
  });
});

describe("lists and subtasks in the cache", () => {
  const list = (id: string, pending: number, all: number): ListAnswer => ({
    id,
    name: id,
    color: "gray",
    is_inbox: false,
    archived: false,
    owner_id: "u",
    owner_name: "U",
    role: "owner",
    member_count: 1,
    pending_count: pending,
    task_count: all,
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
  });

  it("moves a list's counts with a task added, completed, moved and deleted", () => {
    const lists = [list(LIST, 2, 3), list(OTHER_LIST, 0, 0)];
    const a = task("a", { list_id: LIST });
    const counts = (next: ListAnswer[] | undefined) =>
      next?.map((entry) => [entry.pending_count, entry.task_count]);
    expect(counts(patchLists(lists, { before: null, after: a }))).toEqual([
      [3, 4],
      [0, 0],
    ]);
    expect(counts(patchLists(lists, { before: a, after: { ...a, completed: true } }))).toEqual([
      [1, 3],
      [0, 0],
    ]);
    expect(counts(patchLists(lists, { before: a, after: { ...a, list_id: OTHER_LIST } }))).toEqual([
      [1, 2],
      [1, 1],
    ]);
    expect(counts(patchLists(lists, { before: a, after: null }))).toEqual([
      [1, 2],
      [0, 0],
    ]);
    // An edit that changes no count leaves the same array.
    expect(patchLists(lists, { before: a, after: { ...a, title: "b" } })).toBe(lists);
  });

  it("keeps a parent's 2/5 as its subtasks are added, ticked and deleted", () => {
    const parent = task("parent", { subtask_count: 2, completed_subtask_count: 1 });
    const child = task("child", { parent_id: "parent" });
    const data = pages([[parent, child], null]);
    const countOf = (next: TaskPages | undefined) => {
      const found = next?.pages[0]?.tasks.find((t) => t.id === "parent");
      return [found?.completed_subtask_count, found?.subtask_count];
    };
    expect(countOf(patchParents(data, { before: null, after: child }))).toEqual([1, 3]);
    expect(
      countOf(patchParents(data, { before: child, after: { ...child, completed: true } })),
    ).toEqual([2, 2]);
    expect(countOf(patchParents(data, { before: child, after: null }))).toEqual([1, 1]);
    expect(patchParents(data, { before: parent, after: { ...parent, title: "x" } })).toBe(data);
  });

  it("finds the open subtasks at every depth of a task being completed", () => {
    const loaded = [
      task("top", { subtask_count: 2 }),
      task("one", { parent_id: "top" }),
      task("done", { parent_id: "top", completed: true }),
      task("deep", { parent_id: "done" }),
      task("elsewhere"),
    ];
    expect(
      openDescendants(loaded, "top")
        .map((t) => t.id)
        .sort(),
    ).toEqual(["deep", "one"]);
  });

  it("shows subtasks under their parent, collapsed ones hidden, orphans where they fall", () => {
    const tasks = [
      task("b-sub", { parent_id: "top" }),
      task("top"),
      task("a-sub", { parent_id: "top" }),
      task("deeper", { parent_id: "a-sub" }),
      task("orphan", { parent_id: "not-loaded" }),
    ];
    const shape = (collapsed: string[]) =>
      treeRows(tasks, new Set(collapsed)).map((row) => [row.task.id, row.depth, row.expanded]);
    expect(shape([])).toEqual([
      ["top", 0, true],
      ["b-sub", 1, undefined],
      ["a-sub", 1, true],
      ["deeper", 2, undefined],
      ["orphan", 0, undefined],
    ]);
    expect(shape(["top"])).toEqual([
      ["top", 0, false],
      ["orphan", 0, undefined],
    ]);
  });
});
