import { describe, expect, it } from "vitest";
import type { Task } from "@taskbridge/shared/task";
import { listQueryString, nextCursorFromLink } from "../src/lib/api-client.ts";
import {
  draftToInput,
  isOverdue,
  mapTasks,
  parseTags,
  prependTask,
  validateDraft,
  type TaskPages,
} from "../src/lib/task-cache.ts";

const task = (id: string, overrides: Partial<Task> = {}): Task => ({
  id,
  user_id: "u",
  title: id,
  description: null,
  completed: false,
  priority: "medium",
  due_date: null,
  tags: [],
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: "2026-01-01T00:00:00.000Z",
  ...overrides,
});

const pages: TaskPages = {
  pages: [
    { tasks: [task("a"), task("b")], nextCursor: "c1" },
    { tasks: [task("c")], nextCursor: null },
  ],
  pageParams: [null, "c1"],
};

describe("cached task lists", () => {
  it("change and drop tasks across pages, keeping cursors", () => {
    const changed = mapTasks(pages, (t) =>
      t.id === "c" ? { ...t, completed: true } : t.id === "a" ? null : t,
    );
    expect(changed?.pages.map((p) => p.tasks.map((t) => `${t.id}:${t.completed}`))).toEqual([
      ["b:false"],
      ["c:true"],
    ]);
    expect(changed?.pages.map((p) => p.nextCursor)).toEqual(["c1", null]);
  });

  it("put a new task first", () => {
    expect(prependTask(pages, task("new"))?.pages[0]?.tasks.map((t) => t.id)).toEqual([
      "new",
      "a",
      "b",
    ]);
    expect(prependTask(undefined, task("new"))).toBeUndefined();
  });
});

describe("task rules in the form", () => {
  it("marks overdue only unfinished tasks past their due date", () => {
    const now = new Date("2026-06-01T00:00:00Z");
    expect(isOverdue(task("x", { due_date: "2026-05-01T00:00:00.000Z" }), now)).toBe(true);
    expect(
      isOverdue(task("x", { due_date: "2026-05-01T00:00:00.000Z", completed: true }), now),
    ).toBe(false);
    expect(isOverdue(task("x", { due_date: "2026-07-01T00:00:00.000Z" }), now)).toBe(false);
    expect(isOverdue(task("x"), now)).toBe(false);
  });

  it("checks the API's limits and turns a draft into a request body", () => {
    const draft = {
      title: "  Plan  ",
      description: "",
      priority: "high" as const,
      dueDate: "2026-02-01",
      tags: "a, b, a, ",
    };
    expect(validateDraft(draft)).toEqual({});
    expect(validateDraft({ ...draft, title: " " })).toHaveProperty("title");
    expect(validateDraft({ ...draft, title: "x".repeat(201) })).toHaveProperty("title");
    expect(
      validateDraft({ ...draft, tags: Array.from({ length: 11 }, (_, i) => `t${i}`).join(",") }),
    ).toHaveProperty("tags");
    expect(validateDraft({ ...draft, tags: "x".repeat(33) })).toHaveProperty("tags");
    expect(draftToInput(draft)).toEqual({
      title: "Plan",
      description: null,
      priority: "high",
      due_date: "2026-02-01",
      tags: ["a", "b"],
    });
    expect(parseTags(" ,x, y ,x")).toEqual(["x", "y"]);
  });
});

describe("paging through the Link header", () => {
  it("reads the next cursor, and none on the last page", () => {
    expect(
      nextCursorFromLink('<http://api.test/api/tasks?sort=-created&cursor=abc_123>; rel="next"'),
    ).toBe("abc_123");
    expect(nextCursorFromLink(null)).toBeNull();
  });

  it("builds the query string without empty filters", () => {
    expect(listQueryString({ status: "pending", q: "", limit: 50 }, "cur")).toBe(
      "status=pending&limit=50&cursor=cur",
    );
  });
});
