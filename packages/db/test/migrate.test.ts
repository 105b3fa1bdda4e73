import { eq } from "drizzle-orm";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createDb, createPool } from "../src/client.ts";
import { migrateDatabase } from "../src/migrate.ts";
import { task, user } from "../src/schema.ts";
import { useTestDatabase } from "../../../tests/fixtures.ts";

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

const schemaSnapshot = (url: string) =>
  query<{ table_name: string; column_name: string }>(
    url,
    `select table_name, column_name from information_schema.columns
     where table_schema = 'public' order by table_name, column_name`,
  );

describe("migrations", () => {
  it("apply to an empty database, and a second run is a no-op", async () => {
    const { url } = await useTestDatabase({ empty: true });
    await migrateDatabase(url);
    const tables = await query<{ tablename: string }>(
      url,
      "select tablename from pg_tables where schemaname = 'public' order by tablename",
    );
    expect(tables.map((t) => t.tablename)).toEqual([
      "account",
      "app_password",
      "calendar_feed",
      "change_feed",
      "change_feed_head",
      "dav_collection",
      "dav_resource",
      "import_origin",
      "jwks",
      "list",
      "list_invite",
      "list_member",
      "oauth_access_token",
      "oauth_client",
      "oauth_client_assertion",
      "oauth_client_resource",
      "oauth_consent",
      "oauth_refresh_token",
      "oauth_resource",
      "rate_limit",
      "session",
      "task",
      "token_revocation",
      "user",
      "user_setting",
      "verification",
    ]);
    const before = await schemaSnapshot(url);
    const applied = await query<{ count: string }>(
      url,
      "select count(*) from drizzle.__drizzle_migrations",
    );

    await migrateDatabase(url);

    expect(await schemaSnapshot(url)).toEqual(before);
    expect(await query(url, "select count(*) from drizzle.__drizzle_migrations")).toEqual(applied);
  });

  it("two concurrent runs end with one applied schema", async () => {
    const { url } = await useTestDatabase({ empty: true });
    await Promise.all([migrateDatabase(url), migrateDatabase(url), migrateDatabase(url)]);
    const migrations = await query<{ hash: string }>(
      url,
      "select hash from drizzle.__drizzle_migrations",
    );
    expect(new Set(migrations.map((m) => m.hash)).size).toBe(migrations.length);
    const tasks = await query(url, "select 1 from pg_tables where tablename = 'task'");
    expect(tasks).toHaveLength(1);
  });
});

describe("the task table", async () => {
  const { url } = await useTestDatabase();
  const pool = createPool(url);
  const db = createDb(pool);
  afterAll(() => pool.end());

  async function newUser(id: string) {
    await db.insert(user).values({ id, name: id, email: `${id}@example.test` });
  }

  it("loses a user's tasks when the user is deleted, and only theirs", async () => {
    await newUser("cascade-a");
    await newUser("cascade-b");
    await db.insert(task).values([
      { userId: "cascade-a", title: "one" },
      { userId: "cascade-a", title: "two" },
      { userId: "cascade-b", title: "kept" },
    ]);
    await db.delete(user).where(eq(user.id, "cascade-a"));
    expect(await db.select().from(task).where(eq(task.userId, "cascade-a"))).toEqual([]);
    const kept = await db.select().from(task).where(eq(task.userId, "cascade-b"));
    expect(kept.map((t) => t.title)).toEqual(["kept"]);
  });

  it("refuses a 201-character title but takes 200", async () => {
    await newUser("title-check");
    await expect(
      db.insert(task).values({ userId: "title-check", title: "x".repeat(201) }),
    ).rejects.toMatchObject({
      cause: expect.objectContaining({ constraint: "task_title_length" }),
    });
    await expect(
      db.insert(task).values({ userId: "title-check", title: "x".repeat(200) }),
    ).resolves.toBeDefined();
  });

  it("refuses an empty title and an unknown priority", async () => {
    await newUser("priority-check");
    await expect(db.insert(task).values({ userId: "priority-check", title: "" })).rejects.toThrow();
    await expect(
      pool.query("insert into task (user_id, title, priority) values ($1, 'x', 'urgent')", [
        "priority-check",
      ]),
    ).rejects.toMatchObject({ code: "22P02" });
  });

  it("refuses a task whose owner does not exist", async () => {
    await expect(
      db.insert(task).values({ userId: "nobody", title: "orphan" }),
    ).rejects.toMatchObject({
      cause: expect.objectContaining({ code: "23503" }),
    });
  });
});
