// App passwords over real HTTP, on a real database, with real signed tokens: made, listed, used
// as a Bearer token with their scope, and revoked on two API copies at once.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { ApiClient, listen } from "./support/http.ts";

const database = await useTestDatabase();
let one: TestApp;
let two: TestApp;
let origin: string;
let otherOrigin: string;

beforeAll(async () => {
  // Two copies of the API on one database, as behind a load balancer.
  one = await buildTestApp({ databaseUrl: database.url, mode: "hs256" });
  two = await buildTestApp({ databaseUrl: database.url, mode: "hs256" });
  origin = await listen(one.app);
  otherOrigin = await listen(two.app);
});
afterAll(async () => {
  await two.close();
  await one.close();
});

const CreatedSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  scope: z.enum(["read_write", "read_only"]),
  created_at: z.iso.datetime(),
  last_used_at: z.iso.datetime().nullable(),
  password: z.string(),
});
const ListedSchema = z.array(CreatedSchema.omit({ password: true }).strict());

interface Person {
  id: string;
  api: ApiClient;
}

async function person(): Promise<Person> {
  const id = await one.createUser();
  const token = await one.tokenFor(id);
  return { id, api: new ApiClient(origin, () => token) };
}

async function makePassword(who: Person, scope: "read_write" | "read_only", name = "Phone") {
  return (await who.api.expect(201, CreatedSchema, "POST", "/api/app-passwords", { name, scope }))
    .data;
}

/** An API client signing in with an app password, on one copy or the other. */
const withPassword = (password: string, at = origin) => new ApiClient(at, () => password);

describe("app passwords", () => {
  it("are made with a name and a scope, shown once, and stored only as SHA-256", async () => {
    const ada = await person();
    const made = await makePassword(ada, "read_write", "Tasks.org on my phone");
    expect(made.password).toMatch(/^tb_[A-Za-z0-9_-]{32}$/);
    expect(made).toMatchObject({ name: "Tasks.org on my phone", scope: "read_write" });

    const listed = (await ada.api.expect(200, ListedSchema, "GET", "/api/app-passwords")).data;
    expect(listed).toEqual([
      {
        id: made.id,
        name: made.name,
        scope: "read_write",
        created_at: made.created_at,
        last_used_at: null,
      },
    ]);
    const { rows } = await one.pool.query<{ secret_hash: string }>(
      "select secret_hash from app_password where id = $1",
      [made.id],
    );
    expect(rows[0]?.secret_hash).toBe(createHash("sha256").update(made.password).digest("hex"));
    const { rows: leaks } = await one.pool.query(
      "select 1 from app_password where secret_hash = $1 or name = $1",
      [made.password],
    );
    expect(leaks).toEqual([]);
  });

  it("refuse a missing name, a long one and an unknown scope with 422", async () => {
    const ada = await person();
    for (const body of [{ name: " " }, { name: "x".repeat(101) }, { name: "A", scope: "admin" }]) {
      const problem = await ada.api.problem(422, "POST", "/api/app-passwords", body);
      expect(problem.detail).toMatch(/Validation failed/);
    }
    expect((await ada.api.expect(200, ListedSchema, "GET", "/api/app-passwords")).data).toEqual([]);
  });

  it("sign in as Bearer tokens on the REST API, with their scope, and note their last use", async () => {
    const ada = await person();
    const writer = withPassword((await makePassword(ada, "read_write")).password);
    const created = await writer.create({ title: "From a script" });
    expect(created).toMatchObject({ title: "From a script", user_id: ada.id });

    const readOnly = await makePassword(ada, "read_only", "Calendar viewer");
    const reader = withPassword(readOnly.password, otherOrigin);
    expect((await reader.list("status=all")).map((task) => task.title)).toEqual(["From a script"]);
    for (const [method, path, body] of [
      ["POST", "/api/tasks", { title: "Not allowed" }],
      ["PATCH", `/api/tasks/${created.id}`, { title: "Renamed" }],
      ["PATCH", `/api/tasks/${created.id}/complete`, undefined],
      ["DELETE", `/api/tasks/${created.id}`, undefined],
    ] as const) {
      const problem = await reader.problem(403, method, path, body);
      expect(problem.detail).toBe("This app password can only read");
    }
    expect(await ada.api.get(created.id)).toMatchObject({
      title: "From a script",
      completed: false,
    });

    const listed = (await ada.api.expect(200, ListedSchema, "GET", "/api/app-passwords")).data;
    expect(listed.every((entry) => entry.last_used_at !== null)).toBe(true);
  });

  it("cannot manage app passwords themselves", async () => {
    const ada = await person();
    const made = await makePassword(ada, "read_write");
    const problem = await withPassword(made.password).problem(403, "GET", "/api/app-passwords");
    expect(problem.detail).toMatch(/managed from the account/);
    await withPassword(made.password).problem(403, "POST", "/api/app-passwords", { name: "Mine" });
  });

  it("are refused when wrong, and another user's cannot be revoked", async () => {
    const [ada, eve] = [await person(), await person()];
    const made = await makePassword(ada, "read_write");
    for (const wrong of [`${made.password}x`, "tb_", `tb_${"A".repeat(32)}`]) {
      const problem = await withPassword(wrong).problem(401, "GET", "/api/tasks");
      expect(problem.detail).toBe("Invalid or revoked app password");
    }
    await eve.api.problem(404, "DELETE", `/api/app-passwords/${made.id}`);
    await eve.api.problem(404, "DELETE", "/api/app-passwords/not-a-uuid");
    expect((await withPassword(made.password).list("status=all")).length).toBe(0);
  });

  it("revoked, are refused on both copies at once, and their open event streams end", async () => {
    const ada = await person();
    const made = await makePassword(ada, "read_write");
    // An event stream open on the other copy with the app password.
    const controller = new AbortController();
    const stream = await fetch(`${otherOrigin}/api/events`, {
      headers: { authorization: `Bearer ${made.password}` },
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    const reader = stream.body?.getReader();
    if (!reader) throw new Error("no stream body");
    const ended = (async () => {
      for (;;) if ((await reader.read()).done) return Date.now();
    })();

    const revokedAt = Date.now();
    const revoked = await ada.api.request("DELETE", `/api/app-passwords/${made.id}`);
    expect(revoked.status).toBe(204);
    const { rows } = await one.pool.query<{ email: string }>(
      'select email from "user" where id = $1',
      [ada.id],
    );
    const basic = `Basic ${Buffer.from(`${rows[0]?.email ?? ""}:${made.password}`).toString("base64")}`;
    for (const at of [origin, otherOrigin]) {
      const problem = await withPassword(made.password, at).problem(401, "GET", "/api/tasks");
      expect(problem.detail).toBe("Invalid or revoked app password");
      // CalDAV too, on both copies.
      const dav = await fetch(`${at}/dav/`, {
        method: "PROPFIND",
        headers: { authorization: basic },
      });
      expect(dav.status).toBe(401);
    }
    const endedAt = await Promise.race([
      ended,
      new Promise<number>((resolve) => setTimeout(() => resolve(Number.NaN), 5000)),
    ]);
    controller.abort();
    console.log(
      `app password revoked: its stream on the other copy ended after ${endedAt - revokedAt} ms`,
    );
    expect(endedAt - revokedAt).toBeLessThan(2000);
    expect((await ada.api.expect(200, ListedSchema, "GET", "/api/app-passwords")).data).toEqual([]);
  });

  it("go with their account", async () => {
    const ada = await person();
    const made = await makePassword(ada, "read_write");
    await one.pool.query('delete from "user" where id = $1', [ada.id]);
    await withPassword(made.password).problem(401, "GET", "/api/tasks");
    const { rows } = await one.pool.query("select 1 from app_password where id = $1", [made.id]);
    expect(rows).toEqual([]);
  });
});
