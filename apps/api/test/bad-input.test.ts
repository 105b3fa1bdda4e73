// Input PostgreSQL would refuse (a NUL character, the year 0, a forged cursor value) is a client
// error naming the field, refused by the shared schemas and the cursor reader before any query.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProblemSchema, PROBLEM_CONTENT_TYPE } from "@taskbridge/shared/problem";
import { TaskSchema } from "@taskbridge/shared/task";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";

const database = await useTestDatabase();
let t: TestApp;
let headers: Record<string, string>;
let taskId: string;

beforeAll(async () => {
  t = await buildTestApp({ databaseUrl: database.url, mode: "hs256" });
  const owner = await t.createUser();
  headers = { authorization: `Bearer ${await t.tokenFor(owner)}` };
  const created = await t.app.inject({
    method: "POST",
    url: "/api/tasks",
    headers,
    payload: { title: "unchanged" },
  });
  taskId = TaskSchema.parse(created.json()).id;
});
afterAll(() => t.close());

async function expectProblem(
  request: { method: "GET" | "POST" | "PATCH"; url: string; payload?: Record<string, unknown> },
  statuses: number[],
  field: string,
) {
  const response = await t.app.inject({ ...request, headers });
  expect(statuses, `${request.method} ${request.url}: ${response.body}`).toContain(
    response.statusCode,
  );
  expect(response.headers["content-type"]).toContain(PROBLEM_CONTENT_TYPE);
  const problem = ProblemSchema.parse(response.json());
  const named = [problem.detail, ...(problem.errors ?? []).map((error) => error.field)].join(" ");
  expect(named).toContain(field);
}

const cursor = (sort: string, value: unknown) =>
  Buffer.from(JSON.stringify([sort, value, randomUUID()])).toString("base64url");

describe("input the database cannot hold", () => {
  it.each([
    ["q", "/api/tasks?q=a%00b", "querystring.q"],
    ["tag", "/api/tasks?tag=a%00b", "querystring.tag"],
  ])("a NUL in %s is a 422 naming it", async (_name, url, field) => {
    await expectProblem({ method: "GET", url }, [422], field);
  });

  it.each([
    ["title", { title: "a\u0000b" }],
    ["description", { title: "ok", description: "a\u0000b" }],
    ["tags", { title: "ok", tags: ["a\u0000b"] }],
  ])("a NUL in %s is a 422 naming it, on create and on update", async (field, body) => {
    await expectProblem({ method: "POST", url: "/api/tasks", payload: body }, [422], field);
    await expectProblem(
      { method: "PATCH", url: `/api/tasks/${taskId}`, payload: body },
      [422],
      field,
    );
  });

  it.each(["0000-01-01", "0000-06-01T12:00:00Z", "0001-01-01T00:00:00+05:00"])(
    "due_date %s (before the year 1 in UTC) is a 422 naming due_date",
    async (due) => {
      await expectProblem(
        { method: "POST", url: "/api/tasks", payload: { title: "old", due_date: due } },
        [422],
        "due_date",
      );
      await expectProblem(
        { method: "PATCH", url: `/api/tasks/${taskId}`, payload: { due_date: due } },
        [422],
        "due_date",
      );
    },
  );

  it.each([
    ["priority", "urgent"],
    ["-priority", "MEDIUM"],
    ["created", "0000-01-01T00:00:00.000Z"],
    ["-updated", "0000-12-31T23:59:59.000Z"],
    ["due_date", "0000-01-01T00:00:00.000Z"],
    ["due_date", "+275760-09-13T00:00:00.000Z"],
    ["created", "2026-01-01"],
    ["title", "a\u0000b"],
    ["title", 5],
  ])("a cursor for sort %s with value %j is a 400 naming the cursor", async (sort, value) => {
    await expectProblem(
      { method: "GET", url: `/api/tasks?sort=${sort}&cursor=${cursor(sort, value)}` },
      [400],
      "cursor",
    );
  });

  it("changed nothing", async () => {
    const response = await t.app.inject({ method: "GET", url: "/api/tasks", headers });
    const tasks = TaskSchema.array().parse(response.json());
    expect(tasks.map((task) => [task.title, task.description, task.tags, task.due_date])).toEqual([
      ["unchanged", null, [], null],
    ]);
  });
});
