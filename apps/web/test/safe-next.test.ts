import { describe, expect, it } from "vitest";
import { safeNext } from "../src/auth/safe-next.ts";

describe("safeNext", () => {
  it.each(["/tasks", "/account?tab=password", "/tasks#new", "/"])(
    "keeps the local path %s",
    (path) => {
      expect(safeNext(path)).toBe(path);
    },
  );

  it.each([
    ["another host, scheme-relative", "//evil.test/tasks"],
    ["a backslash browsers read as a slash", "/\\evil.test"],
    ["a tab browsers drop", "/\t/evil.test"],
    ["a line break browsers drop", "/\n/evil.test"],
    ["a full URL", "https://evil.test/tasks"],
    ["a javascript: URL", "javascript:alert(1)"],
    ["a relative path", "tasks"],
    ["nothing", undefined],
    ["an empty value", ""],
  ])("falls back for %s", (_name, value) => {
    expect(safeNext(value)).toBe("/tasks");
  });

  it("takes the first of repeated values, and only if it is safe", () => {
    expect(safeNext(["/account", "//evil.test"])).toBe("/account");
    expect(safeNext(["//evil.test", "/account"])).toBe("/tasks");
  });

  it("uses the fallback it is given", () => {
    expect(safeNext("//evil.test", "/account")).toBe("/account");
  });
});
