// Error logs say which request and which ids, never what the user wrote: a failed query's
// message carries its SQL parameters (a title, a search), and those stay out of the log.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProblemSchema } from "@taskbridge/shared/problem";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";

const database = await useTestDatabase();
const lines: string[] = [];
let t: TestApp;
let headers: Record<string, string>;
let owner: string;

beforeAll(async () => {
  t = await buildTestApp({
    databaseUrl: database.url,
    mode: "hs256",
    logStream: { write: (line) => void lines.push(line) },
  });
  owner = await t.createUser();
  headers = { authorization: `Bearer ${await t.tokenFor(owner)}` };
  // A fault the API cannot expect: every write to task fails inside PostgreSQL.
  await t.pool.query(`
    create function refuse_task_write() returns trigger language plpgsql as
      $$ begin raise exception 'writes are switched off'; end $$;
    create trigger refuse_task_write before insert or update on task
      for each row execute function refuse_task_write();`);
});
afterAll(() => t.close());

describe("error logs", () => {
  it("log the request id and error class of a 500, never the title or search text", async () => {
    lines.length = 0;
    const created = await t.app.inject({
      method: "POST",
      url: "/api/tasks",
      headers: { ...headers, "x-request-id": "req-title-500" },
      payload: { title: "Private-Title-Zebra", description: "Private-Description-Okapi" },
    });
    expect(created.statusCode).toBe(500);
    expect(ProblemSchema.parse(created.json()).detail).not.toMatch(/Zebra|insert|writes/);

    await t.pool.query("alter table task rename column title to title_gone");
    try {
      const listed = await t.app.inject({
        method: "GET",
        url: "/api/tasks?q=Private-Search-Quokka&tag=Private-Tag-Wombat&sort=title",
        headers: { ...headers, "x-request-id": "req-search-500" },
      });
      expect(listed.statusCode).toBe(500);
    } finally {
      await t.pool.query("alter table task rename column title_gone to title");
    }

    const errors = lines.filter((line) => /"level":50/.test(line));
    expect(errors.length).toBeGreaterThanOrEqual(2);
    const log = lines.join("");
    expect(log).toContain("req-title-500");
    expect(log).toContain("req-search-500");
    expect(log).toContain(owner);
    for (const secret of ["Zebra", "Okapi", "Quokka", "Wombat"]) expect(log).not.toContain(secret);
  });

  it("never write down an invite link's token, on any invite route or a mistyped one", async () => {
    const guest = await t.createUser();
    const guestHeaders = { authorization: `Bearer ${await t.tokenFor(guest)}` };
    const list = await t.app.inject({
      method: "POST",
      url: "/api/lists",
      headers,
      payload: { name: "Logged list" },
    });
    expect(list.statusCode).toBe(201);
    const listId = list.json<{ id: string }>().id;
    const tokens: string[] = [];
    for (let made = 0; made < 2; made++) {
      const invite = await t.app.inject({
        method: "POST",
        url: `/api/lists/${listId}/invites`,
        headers,
        payload: { role: "viewer" },
      });
      expect(invite.statusCode).toBe(201);
      tokens.push(invite.json<{ token: string }>().token);
    }
    const [first = "", second = ""] = tokens;
    lines.length = 0;
    for (const [method, url] of [
      ["GET", `/api/invites/${first}`],
      ["POST", `/api/invites/${first}/accept`],
      ["GET", `/api/invites/${second}/not-a-route`],
      ["GET", `/api/invites/${encodeURIComponent(second)}?x=1`],
    ] as const) {
      const answer = await t.app.inject({ method, url, headers: guestHeaders });
      expect(answer.statusCode).toBeLessThan(500);
    }
    const log = lines.join("");
    expect(log).toContain("/api/invites/[redacted]/accept");
    for (const token of tokens) expect(log).not.toContain(token);
  });
});
