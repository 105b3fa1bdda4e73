// A request with more than one Authorization header, sent over a real socket exactly so (fetch
// would merge them into one): Node keeps the first, a proxy in front may keep the last, so every
// route that takes a token refuses it with 400 rather than judging it by either.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ProblemSchema } from "@taskbridge/shared/problem";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { TEST_AUDIENCE, type TestIssuer } from "./support/issuer.ts";
import { connectedUser } from "./support/mcp.ts";
import { listenLocal } from "./support/raw-http.ts";

const database = await useTestDatabase();

let t: TestApp & { issuer: TestIssuer | undefined };
let port: number;
let alice: string;
let aliceToken: string;
let bobToken: string;
let mcpToken: string;

beforeAll(async () => {
  t = await buildTestApp({
    databaseUrl: database.url,
    env: { NEXT_PUBLIC_API_URL: TEST_AUDIENCE },
  });
  if (!t.issuer) throw new Error("no issuer");
  alice = await t.createUser();
  aliceToken = await t.tokenFor(alice);
  bobToken = await t.tokenFor(await t.createUser());
  mcpToken = (await connectedUser(t, t.issuer)).token;
  port = await listenLocal(t.app);
});
afterAll(() => t.close());

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * One request with `authorization` as given: an array is written as that many header lines. An
 * answer that is an open event stream is read up to its first event and then closed.
 */
function send(
  method: string,
  path: string,
  authorization: string | string[] | undefined,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: "127.0.0.1", port, method, path, agent: false });
    for (const [name, value] of Object.entries(headers)) request.setHeader(name, value);
    if (authorization !== undefined) request.setHeader("authorization", authorization);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) request.setHeader("content-type", "application/json");
    request.on("error", reject);
    request.on("response", (response) => {
      let text = "";
      response.setEncoding("utf8");
      const done = () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text });
      response.on("data", (chunk: string) => {
        text += chunk;
        if (String(response.headers["content-type"]).startsWith("text/event-stream")) {
          done();
          request.destroy();
        }
      });
      response.on("end", done);
    });
    request.setTimeout(15_000, () => request.destroy(new Error("no answer")));
    request.end(payload);
  });
}

function expectSeveralRefused(answer: Answer): void {
  expect(answer.status, answer.body).toBe(400);
  expect(answer.headers["content-type"]).toMatch(/^application\/problem\+json/);
  expect(answer.headers["www-authenticate"]).toMatch(/^Bearer .*error="invalid_request"/);
  expect(ProblemSchema.parse(JSON.parse(answer.body))).toEqual({
    type: "about:blank",
    title: "Bad Request",
    status: 400,
    detail: "Send one Authorization header: this request has more than one",
  });
}

const MCP_INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-03-26",
    capabilities: {},
    clientInfo: { name: "test", version: "1.0.0" },
  },
};
const MCP_HEADERS = { accept: "application/json, text/event-stream" };

describe("two Authorization headers", () => {
  it("are refused on /api/me, though the first alone is accepted", async () => {
    const one = await send("GET", "/api/me", `Bearer ${aliceToken}`);
    expect(one.status).toBe(200);
    expect(JSON.parse(one.body)).toMatchObject({ id: alice });
    // Two users' tokens, a token and garbage either way round, a token twice, two other schemes.
    for (const pair of [
      [`Bearer ${aliceToken}`, `Bearer ${bobToken}`],
      [`Bearer ${aliceToken}`, "Bearer not-a-token"],
      ["Bearer not-a-token", `Bearer ${aliceToken}`],
      [`Bearer ${aliceToken}`, `Bearer ${aliceToken}`],
      [`Bearer ${aliceToken}`, ""],
      ["Basic dXNlcjpwYXNz", `Bearer ${aliceToken}`],
    ]) {
      expectSeveralRefused(await send("GET", "/api/me", pair));
    }
    // Three as well.
    expectSeveralRefused(
      await send("GET", "/api/me", [`Bearer ${aliceToken}`, `Bearer ${aliceToken}`, "x"]),
    );
  });

  it("are refused on a write, which then changes nothing", async () => {
    const list = async () =>
      JSON.parse((await send("GET", "/api/tasks", `Bearer ${aliceToken}`)).body) as unknown[];
    const before = await list();
    expectSeveralRefused(
      await send("POST", "/api/tasks", [`Bearer ${aliceToken}`, `Bearer ${bobToken}`], {
        title: "Twice authorized",
      }),
    );
    expectSeveralRefused(
      await send("POST", `/api/${alice}/tasks`, [`Bearer ${aliceToken}`, `Bearer ${aliceToken}`], {
        title: "Twice authorized",
      }),
    );
    expect(await list()).toEqual(before);
  });

  it("are refused on the event stream, which one header opens", async () => {
    const one = await send("GET", "/api/events", `Bearer ${aliceToken}`);
    expect(one.status).toBe(200);
    expect(one.headers["content-type"]).toMatch(/^text\/event-stream/);
    expectSeveralRefused(
      await send("GET", "/api/events", [`Bearer ${aliceToken}`, `Bearer ${bobToken}`]),
    );
  });

  it("are refused on /mcp, which one header opens", async () => {
    const one = await send("POST", "/mcp", `Bearer ${mcpToken}`, MCP_INITIALIZE, MCP_HEADERS);
    expect(one.status, one.body).toBe(200);
    for (const method of ["POST", "GET", "DELETE"]) {
      const answer = await send(
        method,
        "/mcp",
        [`Bearer ${mcpToken}`, `Bearer ${mcpToken}`],
        method === "POST" ? MCP_INITIALIZE : undefined,
        MCP_HEADERS,
      );
      expectSeveralRefused(answer);
      expect(answer.headers["www-authenticate"]).toMatch(/resource_metadata="/);
    }
  });

  it("are refused on every route of the OpenAPI document that takes a token", async () => {
    const document = z
      .object({
        paths: z.record(
          z.string(),
          z.record(z.string(), z.object({ security: z.array(z.unknown()).optional() })),
        ),
      })
      .parse(JSON.parse((await send("GET", "/openapi.json", undefined)).body));
    const id = "0193a5b2-7c1e-7d2a-9b1f-2c3d4e5f6a7b";
    const routes: string[] = [];
    for (const [template, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (!operation.security?.length) continue;
        const path = template
          .replace("{user_id}", alice)
          .replace("{token}", "x".repeat(43))
          .replace(/\{[a-z_]+\}/g, id);
        routes.push(`${method.toUpperCase()} ${path}`);
        const body = ["post", "put", "patch"].includes(method) ? {} : undefined;
        const answer = await send(
          method.toUpperCase(),
          path,
          [`Bearer ${aliceToken}`, `Bearer ${bobToken}`],
          body,
        );
        expectSeveralRefused(answer);
      }
    }
    // The document names the routes: tasks, lists, invites, events, me and stats at least.
    expect(routes.length).toBeGreaterThan(20);
    expect(routes).toContain("GET /api/events");
    expect(routes).toContain("GET /api/me");
  });
});
