import { PgDialect } from "drizzle-orm/pg-core";
import type { LightMyRequestResponse } from "fastify";
import { task } from "@taskbridge/db/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { TaskRepository } from "../src/repositories/tasks.ts";
import { decodeCursor } from "../src/lib/cursor.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { tasksOf } from "./support/parse.ts";

const database = await useTestDatabase();
let t: TestApp;
let owner: string;
let token: string;
const ids = new Set<string>();

beforeAll(async () => {
  t = await buildTestApp({ databaseUrl: database.url, mode: "hs256" });
  owner = await t.createUser();
  token = await t.tokenFor(owner);
  // 250 tasks in one statement: identical created_at and updated_at, repeated titles,
  // priorities and due dates, some undated; only the id breaks ties.
  const rows = await t.db
    .insert(task)
    .values(
      Array.from({ length: 250 }, (_, i) => ({
        userId: owner,
        title: ["Same", "same", "Other", "another"][i % 4] ?? "x",
        priority: (["low", "medium", "high"] as const)[i % 3] ?? "low",
        dueDate: i % 5 === 0 ? null : `2026-01-0${1 + (i % 7)}`,
        completed: i % 2 === 0,
      })),
    )
    .returning({ id: task.id });
  for (const row of rows) ids.add(row.id);
  const other = await t.createUser();
  await t.db
    .insert(task)
    .values(Array.from({ length: 30 }, () => ({ userId: other, title: "Same" })));
});
afterAll(() => t.close());

async function walk(query: string): Promise<string[]> {
  const seen: string[] = [];
  let url: string | undefined = `/api/tasks?${query}`;
  for (let page = 0; url && page < 200; page++) {
    const response: LightMyRequestResponse = await t.app.inject({
      method: "GET",
      url,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.statusCode, response.body).toBe(200);
    for (const item of tasksOf(response)) {
      expect(item.user_id).toBe(owner);
      seen.push(item.id);
    }
    const link: unknown = response.headers.link;
    const next: string | undefined =
      typeof link === "string" ? /<([^>]+)>; rel="next"/.exec(link)?.[1] : undefined;
    url = next
      ? new URL(next, "http://127.0.0.1").pathname + new URL(next, "http://127.0.0.1").search
      : undefined;
  }
  return seen;
}

/**
 * The plan of one query with sequential scans priced out (this table is small), on one
 * connection, in a transaction that is rolled back: the setting ends with it and never reaches
 * another query of the pool.
 */
async function explain(text: string, params: unknown[]): Promise<string> {
  const client = await t.pool.connect();
  try {
    await client.query("begin");
    await client.query("set local enable_seqscan = off");
    const plan = await client.query<{ "QUERY PLAN": string }>(`explain ${text}`, params);
    return plan.rows.map((row) => row["QUERY PLAN"]).join("\n");
  } finally {
    await client.query("rollback");
    client.release();
  }
}

describe("keyset paging", () => {
  const sorts = ["created", "updated", "due_date", "priority", "title"].flatMap((key) => [
    key,
    `-${key}`,
  ]);

  it.each(sorts)("sees every task exactly once, sorted by %s, 7 at a time", async (sort) => {
    const seen = await walk(`sort=${sort}&limit=7`);
    expect(seen).toHaveLength(250);
    expect(new Set(seen)).toEqual(ids);
    // The same order as one big page: paging never reorders.
    expect(seen).toEqual(await walk(`sort=${sort}&limit=500`));
  });

  it("keeps filters on the next page", async () => {
    const seen = await walk("status=completed&priority=high&sort=title&limit=3");
    expect(seen.length).toBeGreaterThan(3);
    const all = await walk("status=completed&priority=high&limit=500");
    expect(new Set(seen)).toEqual(new Set(all));
  });

  it("reads a late page straight off an index, with no sort of all the user's tasks", async () => {
    await t.pool.query("analyze task");
    const repository = new TaskRepository(t.db);
    for (const sort of ["-created", "title", "-priority"] as const) {
      const first = await repository.page(owner, {
        status: "all",
        sort,
        limit: 100,
        cursor: undefined,
      });
      const last = first?.at(-2);
      if (!last) throw new Error("no rows");
      const value =
        sort === "-created"
          ? last.created_at
          : sort === "title"
            ? last.title.toLowerCase()
            : last.priority;
      const cursor = decodeCursor(
        Buffer.from(JSON.stringify([sort, value, last.id])).toString("base64url"),
        sort,
      );
      const built = await repository.listQuery(owner, { status: "all", sort, limit: 20, cursor });
      if (!built) throw new Error("no query");
      const query = new PgDialect().sqlToQuery(built);
      const text = await explain(query.sql, query.params);
      expect(text, text).toMatch(/Index Scan.* using task_list_(created|title|priority)_idx/);
      expect(text, text).not.toMatch(/^\s*(->\s*)?Sort/m);
    }
  });
});
