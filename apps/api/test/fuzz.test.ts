// Property-based fuzzing of the whole API from its own OpenAPI document: every route, with
// generated valid and invalid path parameters, queries, bodies and headers, sent as one of three
// real users (or none). Whatever is sent: no 5xx, every error a problem+json with a detail, and
// nothing of another user's ever in an answer. Bounded in runs and in time.
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { task } from "@taskbridge/db/schema";
import { PROBLEM_CONTENT_TYPE, ProblemSchema } from "@taskbridge/shared/problem";
import { MeSchema, TaskSchema, TaskStatsSchema } from "@taskbridge/shared/task";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";

const database = await useTestDatabase();

/** The part of JSON Schema the API's document uses. */
interface JsonSchema {
  type?: string | string[] | undefined;
  enum?: unknown[] | undefined;
  anyOf?: JsonSchema[] | undefined;
  oneOf?: JsonSchema[] | undefined;
  properties?: Record<string, JsonSchema> | undefined;
  required?: string[] | undefined;
  items?: JsonSchema | undefined;
  minLength?: number | undefined;
  maxLength?: number | undefined;
  minimum?: number | undefined;
  maximum?: number | undefined;
  maxItems?: number | undefined;
  format?: string | undefined;
  $ref?: string | undefined;
}
const JsonSchemaSchema: z.ZodType<JsonSchema> = z.lazy(() =>
  z.looseObject({
    type: z.union([z.string(), z.array(z.string())]).optional(),
    enum: z.array(z.unknown()).optional(),
    anyOf: z.array(JsonSchemaSchema).optional(),
    oneOf: z.array(JsonSchemaSchema).optional(),
    properties: z.record(z.string(), JsonSchemaSchema).optional(),
    required: z.array(z.string()).optional(),
    items: JsonSchemaSchema.optional(),
    minLength: z.number().optional(),
    maxLength: z.number().optional(),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
    maxItems: z.number().optional(),
    format: z.string().optional(),
    $ref: z.string().optional(),
  }),
);
const OperationSchema = z.looseObject({
  parameters: z
    .array(
      z.looseObject({
        name: z.string(),
        in: z.string(),
        required: z.boolean().optional(),
        schema: JsonSchemaSchema.optional(),
      }),
    )
    .optional(),
  requestBody: z
    .looseObject({
      content: z.record(z.string(), z.looseObject({ schema: JsonSchemaSchema.optional() })),
    })
    .optional(),
});
const OpenApiSchema = z.looseObject({
  paths: z.record(z.string(), z.record(z.string(), OperationSchema)),
  components: z.looseObject({ schemas: z.record(z.string(), JsonSchemaSchema) }),
});
type OpenApi = z.infer<typeof OpenApiSchema>;

/** Text of every kind: ordinary, any code point (NUL included), or shaped to tempt a parser. */
const anyText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "%00",
    "'; drop table task; --",
    "%",
    "_",
    "\\",
    "0000-01-01",
    "9999-12-31T23:59:59-23:59",
    "-1",
    "1e309",
    "NaN",
    "null",
    "__proto__",
    "x".repeat(5000),
  ),
);

function arbitraryFor(schema: JsonSchema, doc: OpenApi, depth = 0): fc.Arbitrary<unknown> {
  if (schema.$ref) {
    const target = doc.components.schemas[schema.$ref.replace("#/components/schemas/", "")];
    return target ? arbitraryFor(target, doc, depth) : fc.constant(null);
  }
  const choices = schema.anyOf ?? schema.oneOf;
  if (choices) return fc.oneof(...choices.map((choice) => arbitraryFor(choice, doc, depth)));
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (depth > 4) return fc.constant(null);
  switch (Array.isArray(schema.type) ? schema.type[0] : schema.type) {
    case "string":
      if (schema.format === "date")
        return fc
          .date({ min: new Date("0001-01-01"), max: new Date("9999-12-31"), noInvalidDate: true })
          .map((date) => date.toISOString().slice(0, 10));
      if (schema.format === "date-time")
        return fc
          .date({ min: new Date("0001-01-01"), max: new Date("9999-12-31"), noInvalidDate: true })
          .map((date) => date.toISOString());
      if (schema.format === "uuid") return fc.uuid();
      return fc.string({
        minLength: schema.minLength ?? 0,
        maxLength: Math.min(schema.maxLength ?? 50, 50),
      });
    case "integer":
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000 });
    case "number":
      return fc.double({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000 });
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array":
      return fc.array(schema.items ? arbitraryFor(schema.items, doc, depth + 1) : fc.jsonValue(), {
        maxLength: Math.min(schema.maxItems ?? 5, 12),
      });
    case "object": {
      const properties = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, property] of Object.entries(properties)) {
        record[name] = arbitraryFor(property, doc, depth + 1);
      }
      const requiredKeys = Object.keys(properties).filter((name) => required.has(name));
      return fc.record(record, { requiredKeys });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** A valid value most of the time, and sometimes anything at all. */
const validOrNot = (valid: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { arbitrary: valid, weight: 3 },
    { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 },
    { arbitrary: anyText, weight: 1 },
  );

interface Actor {
  id: string;
  token: string;
  taskIds: string[];
  marker: string;
}

let t: TestApp;
let doc: OpenApi;
const actors: Actor[] = [];

beforeAll(async () => {
  t = await buildTestApp({ databaseUrl: database.url, mode: "hs256" });
  for (let i = 0; i < 3; i++) {
    const id = await t.createUser();
    const marker = `private-${randomUUID()}`;
    const rows = await t.db
      .insert(task)
      .values(
        Array.from({ length: 4 }, (_, n) => ({
          userId: id,
          title: `${marker} ${n}`,
          description: marker,
          tags: [marker.slice(0, 20)],
        })),
      )
      .returning({ id: task.id });
    actors.push({
      id,
      token: await t.tokenFor(id),
      taskIds: rows.map((row) => row.id),
      marker,
    });
  }
  const response = await t.app.inject({ method: "GET", url: "/openapi.json" });
  doc = OpenApiSchema.parse(response.json());
});
afterAll(() => t.close());

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
type Method = (typeof METHODS)[number];

interface FuzzRequest {
  method: Method;
  path: string;
  url: string;
  actor: number | undefined;
  headers: Record<string, string>;
  payload: string | undefined;
}

function requestsFor(path: string, method: string): fc.Arbitrary<FuzzRequest> {
  const operation = doc.paths[path]?.[method];
  const verb = METHODS.find((candidate) => candidate === method.toUpperCase());
  if (!operation || !verb) throw new Error(`no operation ${method} ${path}`);
  const parameters = operation.parameters ?? [];
  const query = parameters.filter((parameter) => parameter.in === "query");
  const allIds = actors.flatMap((actor) => actor.taskIds);
  const bodySchema = operation.requestBody?.content["application/json"]?.schema;
  // An event stream with a valid token never ends: only its refusals are fuzzed.
  const streams = path.endsWith("/events");

  return fc
    .record({
      actor: streams
        ? fc.constant(undefined)
        : fc.option(fc.integer({ min: 0, max: actors.length - 1 }), { freq: 5 }),
      badAuth: fc.constantFrom(
        undefined,
        "Bearer not-a-token",
        "Basic dXNlcjpwYXNz",
        "Bearer ",
        "bearer a.b.c",
      ),
      id: fc.oneof(
        fc.constantFrom(...allIds),
        fc.uuid(),
        anyText.filter((text) => text !== ""),
      ),
      userInPath: fc.oneof(
        fc.constant<"self">("self"),
        fc.constantFrom(...actors.map((actor) => actor.id)),
        anyText.filter((text) => text !== ""),
      ),
      query: fc.array(
        fc.oneof(
          ...query.map((parameter) =>
            validOrNot(parameter.schema ? arbitraryFor(parameter.schema, doc) : anyText).map(
              (value): [string, string] => [
                parameter.name,
                typeof value === "string" ? value : JSON.stringify(value),
              ],
            ),
          ),
          fc.tuple(anyText, anyText),
        ),
        { maxLength: 4 },
      ),
      body: fc.option(
        fc.oneof(
          bodySchema ? validOrNot(arbitraryFor(bodySchema, doc)) : fc.jsonValue({ maxDepth: 2 }),
          anyText.map((text) => ({ raw: text })),
        ),
        { freq: bodySchema ? 8 : 2 },
      ),
      contentType: fc.constantFrom(
        "application/json",
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        undefined,
      ),
      requestId: fc.option(anyText, { freq: 4 }),
    })
    .map((draw) => {
      const actor = draw.actor === null ? undefined : draw.actor;
      const self = actor === undefined ? undefined : actors[actor];
      const filled = path
        .replace("{id}", encodeURIComponent(draw.id))
        .replace(
          "{user_id}",
          encodeURIComponent(draw.userInPath === "self" ? (self?.id ?? "nobody") : draw.userInPath),
        );
      const search = new URLSearchParams(draw.query).toString();
      const headers: Record<string, string> = {};
      if (self) headers.authorization = `Bearer ${self.token}`;
      else if (draw.badAuth) headers.authorization = draw.badAuth;
      let payload: string | undefined;
      if (draw.body !== null) {
        payload =
          typeof draw.body === "object" && draw.body !== null && "raw" in draw.body
            ? String(draw.body.raw)
            : JSON.stringify(draw.body);
        if (draw.contentType) headers["content-type"] = draw.contentType;
      }
      if (draw.requestId !== null)
        headers["x-request-id"] = draw.requestId.replace(/[^\t\x20-\x7e]/g, "");
      return {
        method: verb,
        path,
        url: search ? `${filled}?${search}` : filled,
        actor,
        headers,
        payload,
      };
    });
}

async function check(request: FuzzRequest): Promise<void> {
  const response = await t.app.inject({
    method: request.method,
    url: request.url,
    headers: request.headers,
    ...(request.payload === undefined ? {} : { payload: request.payload }),
  });
  const where = `${request.method} ${request.url.slice(0, 200)} -> ${response.statusCode} ${response.body.slice(0, 300)}`;
  expect(response.statusCode, where).toBeLessThan(500);

  if (response.statusCode >= 400) {
    expect(response.headers["content-type"], where).toContain(PROBLEM_CONTENT_TYPE);
    const problem = ProblemSchema.parse(response.json());
    expect(problem.detail.length, where).toBeGreaterThan(0);
    expect(problem.status, where).toBe(response.statusCode);
  }

  const self = request.actor === undefined ? undefined : actors[request.actor];
  for (const other of actors) {
    if (other === self) continue;
    expect(response.body, where).not.toContain(other.marker);
    for (const id of other.taskIds) {
      // A task id is not another user's data when the caller wrote it in the URL themselves.
      if (!request.url.includes(id)) expect(response.body, where).not.toContain(id);
    }
  }

  if (response.statusCode === 200 && self && request.path.endsWith("/tasks/stats")) {
    // Counts only: the isolation checks above already found no other user's data in them.
    TaskStatsSchema.parse(response.json());
  } else if (response.statusCode === 200 && self && request.path.includes("/tasks")) {
    const body: unknown = response.json();
    const tasks = Array.isArray(body) ? TaskSchema.array().parse(body) : [TaskSchema.parse(body)];
    for (const item of tasks) expect(item.user_id, where).toBe(self.id);
  }
  if (response.statusCode === 200 && self && request.path === "/api/me") {
    expect(MeSchema.parse(response.json()).id, where).toBe(self.id);
  }
}

describe("fuzzing every route of /openapi.json", () => {
  it("finds the routes of the contract in the document", () => {
    const paths = Object.keys(doc.paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        "/api/me",
        "/api/events",
        "/api/tasks",
        "/api/tasks/{id}",
        "/api/{user_id}/tasks/{id}/complete",
      ]),
    );
  });

  it("never answers 5xx, always problem+json errors, never another user's data", async () => {
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => requestsFor(path, method)),
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(...operations), check),
      // Bounded in count and in time: the machine is shared.
      { numRuns: 1000, interruptAfterTimeLimit: 20_000, markInterruptAsFailure: false },
    );
  }, 60_000);
});
