import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LightMyRequestResponse } from "fastify";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import type { Task } from "@taskbridge/shared/task";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { fieldErrorsOf, taskOf, tasksOf } from "./support/parse.ts";

const database = await useTestDatabase();
let t: TestApp;
let alice: string;
let bob: string;
let aliceToken: string;
let bobToken: string;

beforeAll(async () => {
  t = await buildTestApp({ databaseUrl: database.url, mode: "hs256" });
  alice = await t.createUser();
  bob = await t.createUser();
  aliceToken = await t.tokenFor(alice);
  bobToken = await t.tokenFor(bob);
});
afterAll(() => t.close());

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
interface Call {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  payload?: string;
}
function call(method: Method, url: string, options: Call = {}): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? aliceToken : options.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers["content-type"] ??= "application/json";
  return t.app.inject({
    method,
    url,
    headers,
    payload:
      options.payload ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
}

async function create(body: Record<string, unknown>, token = aliceToken): Promise<Task> {
  const response = await call("POST", "/api/tasks", { body, token });
  expect(response.statusCode, response.body).toBe(201);
  return taskOf(response);
}

const shapes = [
  ["/api", () => "/api"],
  ["/api/{user_id}", () => `/api/${alice}`],
] as const;

describe.each(shapes)("routes under %s", (_name, prefix) => {
  it("creates a task: 201, Location, defaults, user_id from the token", async () => {
    const response = await call("POST", `${prefix()}/tasks`, {
      body: { title: "  Buy milk  ", user_id: "someone-else", id: "ignored" },
    });
    expect(response.statusCode).toBe(201);
    const body = taskOf(response);
    expect(body).toMatchObject({
      title: "Buy milk",
      user_id: alice,
      description: null,
      completed: false,
      priority: "medium",
      due_date: null,
      tags: [],
    });
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.location).toBe(`${prefix()}/tasks/${body.id}`);
    expect(body.created_at).toBe(body.updated_at);
  });

  it("lists, gets, updates with PUT and PATCH, toggles, completes and deletes", async () => {
    const created = await create({
      title: "Write report",
      priority: "high",
      tags: ["work"],
      due_date: "2026-12-01",
    });
    expect(created.due_date).toBe("2026-12-01");

    const list = await call("GET", `${prefix()}/tasks`);
    expect(list.statusCode).toBe(200);
    expect(tasksOf(list).map((task) => task.id)).toContain(created.id);

    const got = await call("GET", `${prefix()}/tasks/${created.id}`);
    expect(got.json()).toEqual(created);

    const put = await call("PUT", `${prefix()}/tasks/${created.id}`, {
      body: { ...created, title: "Write the report" },
    });
    expect(put.statusCode).toBe(200);
    const putBody = taskOf(put);
    expect(putBody).toMatchObject({
      title: "Write the report",
      priority: "high",
      tags: ["work"],
      id: created.id,
    });
    expect(putBody.updated_at > created.updated_at).toBe(true);
    expect(putBody.created_at).toBe(created.created_at);

    const patch = await call("PATCH", `${prefix()}/tasks/${created.id}`, {
      body: { description: "by Friday" },
    });
    expect(patch.json()).toMatchObject({ title: "Write the report", description: "by Friday" });

    const toggled = await call("PATCH", `${prefix()}/tasks/${created.id}/complete`);
    expect(toggled.json()).toMatchObject({ completed: true });
    const set = await call("PATCH", `${prefix()}/tasks/${created.id}/complete`, {
      body: { completed: true },
    });
    expect(set.json()).toMatchObject({ completed: true });
    const toggledBack = await call("POST", `${prefix()}/tasks/${created.id}/toggle`);
    expect(toggledBack.json()).toMatchObject({ completed: false });

    const removed = await call("DELETE", `${prefix()}/tasks/${created.id}`);
    expect(removed.statusCode).toBe(204);
    expect(removed.body).toBe("");
    expect((await call("GET", `${prefix()}/tasks/${created.id}`)).statusCode).toBe(404);
  });

  it("answers the errors of the contract the same way: 400, 401, 413, 415, 422", async () => {
    const url = `${prefix()}/tasks`;
    const json = { "content-type": "application/json" };
    const cases: Array<[number, Call]> = [
      [400, { payload: "{broken", headers: json }],
      [401, { token: "", body: { title: "x" } }],
      [413, { body: { title: "x", description: "y".repeat(70_000) } }],
      [415, { payload: "title=x", headers: { "content-type": "text/plain" } }],
      [422, { body: { title: "x", complete: true } }],
    ];
    for (const [status, options] of cases) {
      const response = await call("POST", url, options);
      expect(response.statusCode, `${status}`).toBe(status);
      expect(response.headers["content-type"]).toContain("application/problem+json");
      expect(response.json()).toMatchObject({ status, detail: expect.any(String) });
    }
    const badQuery = await call("GET", `${url}?limit=0`);
    expect(badQuery.statusCode).toBe(422);
  });

  it("answers 404 problem+json for a missing task and for a malformed id", async () => {
    for (const id of ["0193a5b2-7c1e-7d2a-9b1f-2c3d4e5f6a7b", "not-a-uuid", "1"]) {
      const response = await call("GET", `${prefix()}/tasks/${id}`);
      expect(response.statusCode).toBe(404);
      expect(response.headers["content-type"]).toContain("application/problem+json");
      expect(response.json()).toEqual({
        type: "about:blank",
        title: "Not Found",
        status: 404,
        detail: "Task not found",
      });
    }
  });
});

describe("the {user_id} shape", () => {
  it("answers 403 when the path names someone other than the caller", async () => {
    const task = await create({ title: "private" });
    for (const [method, path] of [
      ["GET", `/api/${bob}/tasks`],
      ["POST", `/api/${bob}/tasks`],
      ["GET", `/api/${bob}/tasks/${task.id}`],
      ["DELETE", `/api/${bob}/tasks/${task.id}`],
    ] as const) {
      const response = await call(method, path, method === "POST" ? { body: { title: "x" } } : {});
      expect(response.statusCode).toBe(403);
      expect(response.json()).toMatchObject({ status: 403, detail: expect.any(String) });
    }
    expect((await call("GET", `/api/tasks/${task.id}`)).json()).toEqual(task);
  });
});

describe("isolation between users (BOLA)", () => {
  it("gives user B a 404 on every route for A's task and leaves it unchanged byte for byte", async () => {
    const task = await create({ title: "Alice's secret", tags: ["x"] });
    const before = (await call("GET", `/api/tasks/${task.id}`)).body;
    const attempts: Array<[Method, string, unknown?]> = [];
    for (const prefix of ["/api", `/api/${bob}`]) {
      attempts.push(
        ["GET", `${prefix}/tasks/${task.id}`],
        ["PUT", `${prefix}/tasks/${task.id}`, { title: "pwned" }],
        ["PATCH", `${prefix}/tasks/${task.id}`, { title: "pwned" }],
        ["PATCH", `${prefix}/tasks/${task.id}/complete`],
        ["POST", `${prefix}/tasks/${task.id}/toggle`],
        ["DELETE", `${prefix}/tasks/${task.id}`],
      );
    }
    for (const [method, path, body] of attempts) {
      const response = await call(method, path, { token: bobToken, body });
      expect(response.statusCode, `${method} ${path}`).toBe(404);
      expect(response.body).not.toContain("Alice's secret");
    }
    const bobList = await call("GET", "/api/tasks", { token: bobToken });
    expect(tasksOf(bobList).every((t) => t.user_id === bob)).toBe(true);
    expect((await call("GET", `/api/tasks/${task.id}`)).body).toBe(before);
  });
});

describe("errors", () => {
  it("401 without a token, with WWW-Authenticate", async () => {
    const response = await call("GET", "/api/tasks", { token: "" });
    expect(response.statusCode).toBe(401);
    expect(response.headers["www-authenticate"]).toContain("Bearer");
  });

  it("400 for a body that is not JSON", async () => {
    const response = await call("POST", "/api/tasks", {
      payload: "{not json",
      headers: { "content-type": "application/json" },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      status: 400,
      detail: "Request body is not valid JSON",
    });
  });

  it("413 for a body over 64 KiB", async () => {
    const response = await call("POST", "/api/tasks", {
      body: { title: "x", description: "y".repeat(70_000) },
    });
    expect(response.statusCode).toBe(413);
    expect(response.headers["content-type"]).toContain("application/problem+json");
  });

  it("415 for a body that is not application/json", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded"]) {
      const response = await call("POST", "/api/tasks", {
        payload: "title=x",
        headers: { "content-type": type },
      });
      expect(response.statusCode).toBe(415);
      expect(response.json()).toMatchObject({ status: 415 });
    }
  });

  it.each([
    ["a missing title", {}, "title"],
    ["an empty title", { title: "   " }, "title"],
    ["a 201-character title", { title: "x".repeat(201) }, "title"],
    ["a 1001-character description", { title: "x", description: "d".repeat(1001) }, "description"],
    ["an unknown priority", { title: "x", priority: "urgent" }, "priority"],
    ["a bad due date", { title: "x", due_date: "tomorrow" }, "due_date"],
    ["eleven tags", { title: "x", tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }, "tags"],
    ["a 33-character tag", { title: "x", tags: ["t".repeat(33)] }, "tags.0"],
    ["duplicate tags", { title: "x", tags: ["a", "a"] }, "tags"],
    ["a wrong type", { title: 5 }, "title"],
    ["completed as a string", { title: "x", completed: "yes" }, "completed"],
    ["an unknown field", { title: "x", complete: true }, ""],
  ])("422 for %s, naming the field", async (_name, body, field) => {
    const before = tasksOf(await call("GET", "/api/tasks?limit=500")).length;
    const response = await call("POST", "/api/tasks", { body });
    expect(response.statusCode).toBe(422);
    const errors = fieldErrorsOf(response);
    if (field) expect(errors.map((e) => e.field)).toContain(field);
    expect(tasksOf(await call("GET", "/api/tasks?limit=500"))).toHaveLength(before);
  });

  it("takes exactly 200 title characters, 1000 of description, 10 tags of 32", async () => {
    const task = await create({
      title: "x".repeat(200),
      description: "d".repeat(1000),
      tags: Array.from({ length: 10 }, (_, i) => `${i}`.padEnd(32, "t")),
    });
    expect(task.title).toHaveLength(200);
  });

  it.each([
    ["limit=0"],
    ["limit=501"],
    ["limit=abc"],
    ["status=done"],
    ["sort=size"],
    ["priority=urgent"],
    ["unknown=1"],
  ])("422 for the query %s", async (query) => {
    const response = await call("GET", `/api/tasks?${query}`);
    expect(response.statusCode).toBe(422);
    expect(fieldErrorsOf(response).length).toBeGreaterThan(0);
  });

  it("400 for a malformed cursor", async () => {
    for (const cursor of [
      "%%%",
      "bm90LWpzb24",
      Buffer.from(JSON.stringify(["-created", "x", "y"])).toString("base64url"),
    ]) {
      const response = await call("GET", `/api/tasks?cursor=${cursor}`);
      expect(response.statusCode).toBe(400);
    }
  });

  it("401 (not 500) when a deleted user's still-valid token creates a task", async () => {
    const ghost = await t.createUser();
    const token = await t.tokenFor(ghost);
    await t.pool.query(`delete from "user" where id = $1`, [ghost]);
    const response = await call("POST", "/api/tasks", { token, body: { title: "from beyond" } });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ detail: "User no longer exists" });
  });
});

describe("toggle", () => {
  it("gives exactly 20 true and 20 false for 40 concurrent toggles", async () => {
    const task = await create({ title: "flip" });
    const results = await Promise.all(
      Array.from({ length: 40 }, () =>
        call("POST", `/api/tasks/${task.id}/toggle`).then((r) => taskOf(r).completed),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(20);
    expect(results.filter((c) => !c)).toHaveLength(20);
    expect(taskOf(await call("GET", `/api/tasks/${task.id}`)).completed).toBe(false);
  });
});

describe("listing", () => {
  let carol: string;
  let carolToken: string;
  beforeAll(async () => {
    carol = await t.createUser();
    carolToken = await t.tokenFor(carol);
    const specs = [
      { title: "Alpha report", priority: "low", tags: ["work"], description: "quarterly" },
      { title: "beta 100% done", priority: "high", tags: ["home"], completed: true },
      {
        title: "Gamma_underscore",
        priority: "medium",
        tags: ["work", "urgent"],
        due_date: "2026-01-02",
      },
      {
        title: "delta",
        priority: "high",
        description: "contains \\ backslash",
        due_date: "2025-12-31",
      },
    ];
    for (const spec of specs) await create(spec, carolToken);
  });
  const list = async (query: string) => {
    const response = await call("GET", `/api/tasks?${query}`, { token: carolToken });
    expect(response.statusCode, response.body).toBe(200);
    return tasksOf(response).map((task) => task.title);
  };

  it("filters by status, priority and tag", async () => {
    expect(await list("status=completed")).toEqual(["beta 100% done"]);
    expect((await list("status=pending")).sort()).toEqual([
      "Alpha report",
      "Gamma_underscore",
      "delta",
    ]);
    expect((await list("priority=high")).sort()).toEqual(["beta 100% done", "delta"]);
    expect((await list("tag=work")).sort()).toEqual(["Alpha report", "Gamma_underscore"]);
  });

  it("searches title and description case-insensitively, with % _ and \\ taken literally", async () => {
    expect(await list("q=ALPHA")).toEqual(["Alpha report"]);
    expect(await list("q=QUARTER")).toEqual(["Alpha report"]);
    expect(await list("q=100%25")).toEqual(["beta 100% done"]);
    expect(await list("q=%25")).toEqual(["beta 100% done"]);
    expect(await list("q=_")).toEqual(["Gamma_underscore"]);
    expect(await list("q=%5C")).toEqual(["delta"]);
  });

  it("sorts by title case-insensitively, priority low < medium < high, and due date with undated last", async () => {
    expect(await list("sort=title")).toEqual([
      "Alpha report",
      "beta 100% done",
      "delta",
      "Gamma_underscore",
    ]);
    expect(await list("sort=-title")).toEqual([
      "Gamma_underscore",
      "delta",
      "beta 100% done",
      "Alpha report",
    ]);
    const byPriority = await list("sort=priority");
    expect(byPriority[0]).toBe("Alpha report");
    expect(byPriority[1]).toBe("Gamma_underscore");
    expect((await list("sort=due_date")).slice(0, 2)).toEqual(["delta", "Gamma_underscore"]);
    expect((await list("sort=-due_date")).slice(2)).toEqual(["Gamma_underscore", "delta"]);
  });
});
