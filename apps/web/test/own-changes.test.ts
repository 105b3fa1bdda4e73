import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ECHO_MS, OwnChanges } from "../src/lib/own-changes.ts";

describe("OwnChanges", () => {
  let fetches = 0;
  let changes: OwnChanges;
  beforeEach(() => {
    vi.useFakeTimers();
    fetches = 0;
    changes = new OwnChanges(() => (fetches += 1));
  });
  afterEach(() => {
    changes.dispose();
    vi.useRealTimers();
  });

  it("ignores the echo of a change it sent, and fetches a change made elsewhere", () => {
    const settle = changes.start("task-1");
    settle("task-1");
    changes.changed("task-1");
    expect(fetches).toBe(0);
    changes.changed("task-2");
    expect(fetches).toBe(1);
  });

  it("takes a second change to its own task, soon after its echo, for someone else's", () => {
    // Ben renames a task of a shared list; Ada completes it a moment later.
    const settle = changes.start("task-1");
    changes.changed("task-1");
    settle("task-1");
    expect(fetches).toBe(0);
    changes.changed("task-1");
    expect(fetches).toBe(1);
  });

  it("expects as many echoes as it made changes to a task", () => {
    changes.start("task-1")("task-1");
    changes.start("task-1")("task-1");
    changes.changed("task-1");
    changes.changed("task-1");
    expect(fetches).toBe(0);
    changes.changed("task-1");
    expect(fetches).toBe(1);
  });

  it("holds an echo that arrives before the answer naming its task, then drops it", () => {
    const settle = changes.start();
    changes.changed("new-task");
    expect(fetches).toBe(0);
    settle("new-task");
    expect(fetches).toBe(0);
    vi.advanceTimersByTime(ECHO_MS * 2);
    expect(fetches).toBe(0);
  });

  it("fetches, once every change under way is answered, what was held and is not its own", () => {
    const first = changes.start();
    const second = changes.start("task-1");
    changes.changed("elsewhere");
    changes.changed("other");
    first("new-task");
    expect(fetches).toBe(0);
    second(null);
    expect(fetches).toBe(1);
  });

  it("stops holding after ECHO_MS when an answer never comes", () => {
    changes.start();
    changes.changed("elsewhere");
    vi.advanceTimersByTime(ECHO_MS - 1);
    expect(fetches).toBe(0);
    vi.advanceTimersByTime(1);
    expect(fetches).toBe(1);
    // Held no more: the next change from elsewhere is held afresh, not fetched twice.
    vi.advanceTimersByTime(ECHO_MS);
    expect(fetches).toBe(1);
  });

  it("treats a change to its own task as from elsewhere once ECHO_MS has passed", () => {
    changes.start("task-1")("task-1");
    vi.advanceTimersByTime(ECHO_MS);
    changes.changed("task-1");
    expect(fetches).toBe(1);
  });
});
