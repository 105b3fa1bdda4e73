import { z } from "zod";
// The API's edges over a real socket: every spelling of an `/api` path meets the token check and
// the rate limit, because they are registered with the routes, not decided from the raw URL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProblemSchema, PROBLEM_CONTENT_TYPE } from "@taskbridge/shared/problem";
import { MeSchema, TaskSchema } from "@taskbridge/shared/task";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { listenLocal, rawGet, rawRequest, type RawResponse } from "./support/raw-http.ts";

const database = await useTestDatabase();

function expectProblem(response: RawResponse, status: number) {
  expect(response.status, response.body).toBe(status);
  expect(response.headers["content-type"]).toContain(PROBLEM_CONTENT_TYPE);
  const problem = ProblemSchema.parse(JSON.parse(response.body));
  expect(problem.status).toBe(status);
  return problem;
}

const postBody = (port: number, target: string, body: string, token?: string) =>
  rawRequest(
    port,
    [
      `POST ${target} HTTP/1.1`,
      `Host: 127.0.0.1:${port}`,
      "Connection: close",
      "Content-Type: application/json",
      `Content-Length: ${Buffer.byteLength(body)}`,
      ...(token ? [`Authorization: Bearer ${token}`] : []),
      "",
      body,
    ].join("\r\n"),
  );

describe("encoded and absolute-form paths", () => {
  let t: TestApp;
  let port: number;
  let alice: string;
  let token: string;

  beforeAll(async () => {
    t = await buildTestApp({ databaseUrl: database.url, mode: "hs256" });
    alice = await t.createUser();
    token = await t.tokenFor(alice);
    port = await listenLocal(t.app);
  });
  afterAll(() => t.close());

  const variants = [
    ["GET", "/%61pi/me"],
    ["GET", "/ap%69/tasks"],
    ["GET", "/%61pi/tasks?limit=1"],
    ["GET", "/%61pi/events"],
    ["GET", "/%61pi/me/"],
    ["GET", "/%61pi/%61lice/tasks"],
    ["GET", "/api/%74asks/00000000-0000-0000-0000-000000000000"],
    ["DELETE", "/%61pi/tasks/00000000-0000-0000-0000-000000000000"],
    ["GET", "http://localhost:8000/api/me"],
    ["GET", "http://localhost:8000/%61pi/tasks"],
  ] as const;

  it.each(variants)(
    "%s %s without a token answers 401 with a Bearer challenge",
    async (method, target) => {
      const response = await rawGet(port, target, {}, method);
      expectProblem(response, 401);
      expect(response.headers["www-authenticate"]).toMatch(/^Bearer /);
    },
  );

  it("POST /%61pi/tasks without a token answers 401 and creates nothing", async () => {
    const response = await postBody(port, "/%61pi/tasks", JSON.stringify({ title: "sneaky" }));
    expectProblem(response, 401);
    const count = await t.pool.query("select count(*)::int as n from task where title = 'sneaky'");
    expect(count.rows[0]).toEqual({ n: 0 });
  });

  it("answers the same spellings normally with a token, as the caller", async () => {
    const auth = { Authorization: `Bearer ${token}` };
    for (const target of ["/%61pi/me", "/%61pi/me/", "http://localhost:8000/api/me"]) {
      const response = await rawGet(port, target, auth);
      expect(response.status, `${target}: ${response.body}`).toBe(200);
      expect(MeSchema.parse(JSON.parse(response.body)).id).toBe(alice);
    }
    const created = await postBody(port, "/%61pi/tasks", JSON.stringify({ title: "via" }), token);
    expect(created.status, created.body).toBe(201);
    expect(TaskSchema.parse(JSON.parse(created.body)).user_id).toBe(alice);
  });

  it("answers 404, not 401 or 500, for a path under /api with no route", async () => {
    expectProblem(await rawGet(port, "/%61pi/nothing-here"), 404);
    expectProblem(await rawGet(port, "http://localhost:8000/api/nothing/here/at/all"), 404);
  });
});

describe("the rate limit on every spelling", () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await buildTestApp({
      databaseUrl: database.url,
      mode: "hs256",
      env: { RATE_LIMIT_PER_MINUTE: "3" },
    });
    port = await listenLocal(t.app);
  });
  afterAll(() => t.close());

  it("counts encoded and absolute-form requests with the plain ones", async () => {
    const user = await t.createUser();
    const auth = { Authorization: `Bearer ${await t.tokenFor(user)}` };
    const statuses: number[] = [];
    for (const target of [
      "/%61pi/tasks",
      "/ap%69/me",
      "http://localhost:8000/%61pi/me/",
      "/api/tasks",
      "/%61pi/tasks",
    ]) {
      statuses.push((await rawGet(port, target, auth)).status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const limited = await rawGet(port, "/%61pi/me", auth);
    expectProblem(limited, 429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
  });
});

describe("the paging Link header", () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await buildTestApp({ databaseUrl: database.url, mode: "hs256" });
    port = await listenLocal(t.app);
  });
  afterAll(() => t.close());

  it("never copies the Host header the client sent", async () => {
    const user = await t.createUser();
    const token = await t.tokenFor(user);
    for (const title of ["one", "two"]) {
      await t.app.inject({
        method: "POST",
        url: "/api/tasks",
        headers: { authorization: `Bearer ${token}` },
        payload: { title },
      });
    }
    const response = await rawRequest(
      port,
      [
        "GET /api/tasks?limit=1 HTTP/1.1",
        "Host: evil.example",
        "X-Forwarded-Host: evil.example",
        "X-Forwarded-Proto: https",
        "Connection: close",
        `Authorization: Bearer ${token}`,
        "",
        "",
      ].join("\r\n"),
    );
    expect(response.status, response.body).toBe(200);
    const link = response.headers.link ?? "";
    expect(link).toMatch(/^<\/api\/tasks\?[^>]*cursor=[^>]+>; rel="next"$/);
    expect(link).not.toContain("evil");
    const next = new URL(/<([^>]+)>/.exec(link)?.[1] ?? "", `http://127.0.0.1:${port}`);
    const page = await fetch(next, { headers: { authorization: `Bearer ${token}` } });
    expect(TaskSchema.array().parse(await page.json())).toHaveLength(1);
  });
});

describe("the client's address", () => {
  async function loggedAddress(trustedProxies: string[]): Promise<unknown> {
    const lines: string[] = [];
    const t = await buildTestApp({
      databaseUrl: database.url,
      mode: "hs256",
      env: { API_TRUSTED_PROXIES: trustedProxies.join(",") },
      logStream: { write: (line) => void lines.push(line) },
    });
    try {
      const port = await listenLocal(t.app);
      const response = await rawGet(port, "/api/me", {
        "X-Forwarded-For": "203.0.113.9",
        "X-Request-Id": "address-check",
      });
      expect(response.status).toBe(401);
      const line = lines.find(
        (text) => text.includes("address-check") && text.includes("request completed"),
      );
      return line ? z.looseObject({ ip: z.unknown() }).parse(JSON.parse(line)).ip : undefined;
    } finally {
      await t.close();
    }
  }

  it("is the socket's when no proxy is trusted, whatever X-Forwarded-For says", async () => {
    expect(await loggedAddress([])).toBe("127.0.0.1");
  });

  it("is the forwarded one when the request came through a trusted proxy", async () => {
    expect(await loggedAddress(["127.0.0.1"])).toBe("203.0.113.9");
  });
});
