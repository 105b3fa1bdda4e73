import { describe, expect, it } from "vitest";
import { safeNext } from "../src/lib/safe-next.ts";

describe("safeNext", () => {
  it("keeps paths on this site, query and hash included", () => {
    expect(safeNext("/tasks")).toBe("/tasks");
    expect(safeNext("/account?tab=1#danger")).toBe("/account?tab=1#danger");
    expect(safeNext(["/account", "/x"])).toBe("/account");
    expect(safeNext("/a/../account")).toBe("/account");
  });

  it("falls back for anything that a browser would resolve to another origin", () => {
    for (const next of [
      "//evil.example",
      "/\\evil.example",
      "\\\\evil.example",
      "/\t/evil.example",
      "/\n/evil.example",
      "/\r/evil.example",
      "/\r\n/evil.example",
      "https://evil.example/",
      "http:evil.example",
      "javascript:alert(1)",
      "evil.example",
      " /tasks",
      "",
    ]) {
      expect(safeNext(next), JSON.stringify(next)).toBe("/tasks");
    }
  });

  it("gives a header-safe path for line breaks and non-ASCII", () => {
    expect(safeNext("/tasks\r\nSet-Cookie: x=1")).toBe("/tasksSet-Cookie:%20x=1");
    expect(safeNext("/tâches")).toBe("/t%C3%A2ches");
    expect(safeNext("/tasks?q=é")).toBe("/tasks?q=%C3%A9");
    expect(safeNext(undefined, "/account")).toBe("/account");
  });
});
