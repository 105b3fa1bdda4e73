import { describe, expect, it } from "vitest";
import { quickAddInput } from "../src/lib/quick-add.ts";
import { emptyDraft } from "../src/lib/task-draft.ts";

describe("quick add's input", () => {
  it("sends the task to the chip's list, else the open one, else leaves the list out", () => {
    const draft = { ...emptyDraft, title: "Milk" };
    expect(quickAddInput(draft, "groceries", "weekly")).toMatchObject({
      title: "Milk",
      list_id: "groceries",
    });
    expect(quickAddInput(draft, null, "weekly").list_id).toBe("weekly");
    expect(quickAddInput(draft, null)).not.toHaveProperty("list_id");
  });
});
