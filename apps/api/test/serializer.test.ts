import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { z } from "zod";
import { TaskSchema, TaskStatsSchema, type Task } from "@taskbridge/shared/task";
import { ProblemSchema } from "@taskbridge/shared/problem";
import { serializerCompiler } from "../src/lib/serializer.ts";

const date = fc
  .date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true })
  .map((d) => d.toISOString());
const calendarDate = date.map((d) => d.slice(0, 10));
const count = fc.nat({ max: 1_000_000 });
const task: fc.Arbitrary<Task> = fc.record({
  id: fc.uuid(),
  user_id: fc.string(),
  title: fc.string({ unit: "grapheme" }),
  description: fc.option(fc.string({ unit: "binary" }), { nil: null }),
  completed: fc.boolean(),
  priority: fc.constantFrom("low", "medium", "high"),
  due_date: fc.option(calendarDate, { nil: null }),
  due_time: fc.option(fc.constantFrom("00:00", "09:30", "23:59"), { nil: null }),
  tags: fc.array(fc.string()),
  recurrence: fc.option(fc.string({ unit: "grapheme" }), { nil: null }),
  previous_id: fc.option(fc.uuid(), { nil: null }),
  remind_at: fc.option(date, { nil: null }),
  reminded_at: fc.option(date, { nil: null }),
  list_id: fc.uuid(),
  parent_id: fc.option(fc.uuid(), { nil: null }),
  assignee_id: fc.option(fc.string(), { nil: null }),
  created_by: fc.option(fc.string(), { nil: null }),
  subtask_count: count,
  completed_subtask_count: count,
  created_at: date,
  updated_at: date,
});

describe("response serializer", () => {
  it("writes tasks byte for byte as JSON.stringify does", () => {
    const write = serializerCompiler({ schema: z.array(TaskSchema) });
    fc.assert(fc.property(fc.array(task), (tasks) => write(tasks) === JSON.stringify(tasks)));
  });

  it("writes the counts as JSON.stringify does", () => {
    const write = serializerCompiler({ schema: TaskStatsSchema });
    const stats = fc.record({
      all: count,
      pending: count,
      completed: count,
      overdue: count,
      today: count,
      upcoming: count,
      no_due_date: count,
    });
    fc.assert(fc.property(stats, (value) => write(value) === JSON.stringify(value)));
  });

  it("leaves out properties the schema does not declare", () => {
    const write = serializerCompiler({ schema: TaskSchema });
    const [one] = fc.sample(task, 1);
    const written: unknown = JSON.parse(write({ ...one, password: "secret", userId: "x" }));
    expect(written).toEqual(one);
  });

  it("refuses to write a task missing a required property", () => {
    const write = serializerCompiler({ schema: TaskSchema });
    const [one] = fc.sample(task, 1);
    expect(() => write({ ...one, title: undefined })).toThrow();
  });

  it("writes problem details with and without field errors", () => {
    const write = serializerCompiler({ schema: ProblemSchema });
    const plain = {
      type: "about:blank",
      title: "Not Found",
      status: 404,
      detail: "Task not found",
    };
    expect(write(plain)).toBe(JSON.stringify(plain));
    const invalid = { ...plain, status: 422, errors: [{ field: "title", message: "Required" }] };
    expect(write(invalid)).toBe(JSON.stringify(invalid));
  });
});
