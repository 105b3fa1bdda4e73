// The OpenAPI document describes the dates, views, counts, recurrence and reminders of the API.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { listen } from "./support/http.ts";

const database = await useTestDatabase();
let t: TestApp;
let origin: string;

beforeAll(async () => {
  t = await buildTestApp({ databaseUrl: database.url, mode: "hs256" });
  origin = await listen(t.app);
});
afterAll(() => t.close());

const Operation = z.looseObject({
  description: z.string().optional(),
  parameters: z.array(z.looseObject({ name: z.string(), in: z.string() })).optional(),
});
const OpenApi = z.looseObject({
  paths: z.record(z.string(), z.record(z.string(), Operation)),
  components: z.looseObject({
    schemas: z.record(
      z.string(),
      z.looseObject({ properties: z.record(z.string(), z.unknown()).optional() }),
    ),
  }),
});

describe("the OpenAPI document", () => {
  it("has the counts, the view parameters, and every new Task field", async () => {
    const document = OpenApi.parse(await (await fetch(`${origin}/openapi.json`)).json());
    for (const path of ["/api/tasks/stats", "/api/{user_id}/tasks/stats"]) {
      const names = document.paths[path]?.get?.parameters?.map((parameter) => parameter.name);
      expect(names).toEqual(expect.arrayContaining(["today", "q", "priority", "tag"]));
    }
    const list = document.paths["/api/tasks"]?.get?.parameters?.map((parameter) => parameter.name);
    expect(list).toEqual(expect.arrayContaining(["today", "view", "due_from", "due_to", "due"]));
    expect(Object.keys(document.components.schemas.Task?.properties ?? {})).toEqual(
      expect.arrayContaining(["due_time", "recurrence", "previous_id", "remind_at", "reminded_at"]),
    );
    expect(Object.keys(document.components.schemas.TaskStats?.properties ?? {}).sort()).toEqual([
      "all",
      "completed",
      "no_due_date",
      "overdue",
      "pending",
      "today",
      "upcoming",
    ]);
    for (const [path, method] of [
      ["/api/tasks/{id}/complete", "patch"],
      ["/api/tasks/{id}/toggle", "post"],
      ["/api/tasks/{id}", "put"],
      ["/api/tasks/{id}", "patch"],
    ] as const) {
      expect(document.paths[path]?.[method]?.description).toContain('rel="next-occurrence"');
    }
    expect(document.paths["/api/events"]?.get?.description).toContain("event: reminder");
  });
});
