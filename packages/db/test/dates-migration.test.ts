// Migration 0003 turns stored due times into calendar dates without losing what was set.
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { migrateDatabase, migrationsFolder } from "../src/migrate.ts";
import { useTestDatabase } from "../../../tests/fixtures.ts";

const Journal = z.looseObject({ entries: z.array(z.looseObject({ tag: z.string() })) });

/** The committed migrations up to and including `lastTag`, in a folder of their own. */
async function migrationsUpTo(lastTag: string): Promise<string> {
  const folder = await mkdtemp(path.join(os.tmpdir(), "taskbridge-migrations-"));
  await cp(migrationsFolder, folder, { recursive: true });
  const journalPath = path.join(folder, "meta", "_journal.json");
  const journal = Journal.parse(JSON.parse(await readFile(journalPath, "utf8")));
  const end = journal.entries.findIndex((entry) => entry.tag === lastTag);
  await writeFile(
    journalPath,
    JSON.stringify({ ...journal, entries: journal.entries.slice(0, end + 1) }),
  );
  return folder;
}

describe("migration 0003", () => {
  it("keeps each due date's UTC date, and a time of day other than midnight in due_time", async () => {
    const { url } = await useTestDatabase({ empty: true });
    const folder = await migrationsUpTo("0002_task_times_in_milliseconds");
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await migrate(drizzle({ client }), { migrationsFolder: folder });
      await client.query(
        `insert into "user" (id, name, email) values ('u', 'U', 'u@example.test')`,
      );
      await client.query(`
        insert into task (user_id, title, due_date) values
          ('u', 'midnight', '2026-01-15T00:00:00Z'),
          ('u', 'evening', '2026-01-15T18:45:30Z'),
          ('u', 'offset', '2026-01-15T23:30:00-05:00'),
          ('u', 'none', null)`);
      await migrateDatabase(url);
      const rows = await client.query<{
        title: string;
        due_date: string | null;
        due_time: string | null;
      }>(`select title, due_date::text, due_time::text from task order by title`);
      expect(rows.rows).toEqual([
        { title: "evening", due_date: "2026-01-15", due_time: "18:45:00" },
        { title: "midnight", due_date: "2026-01-15", due_time: null },
        { title: "none", due_date: null, due_time: null },
        { title: "offset", due_date: "2026-01-16", due_time: "04:30:00" },
      ]);
    } finally {
      await client.end();
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe("migration 0005", () => {
  it("moves every task into its owner's new Inbox, created by its owner, losing nothing", async () => {
    const { url } = await useTestDatabase({ empty: true });
    const folder = await migrationsUpTo("0004_oauth_provider");
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await migrate(drizzle({ client }), { migrationsFolder: folder });
      await client.query(`insert into "user" (id, name, email) values
        ('ada', 'Ada', 'ada@example.test'), ('bob', 'Bob', 'bob@example.test'),
        ('cy', 'Cy', 'cy@example.test')`);
      await client.query(`
        insert into task (user_id, title, completed, due_date, tags) values
          ('ada', 'one', false, '2026-01-15', '{a}'), ('ada', 'two', true, null, '{}'),
          ('bob', 'three', false, null, '{b}')`);
      const before = await client.query(
        `select id, user_id, title, completed, due_date, tags, created_at, updated_at
         from task order by id`,
      );
      await migrateDatabase(url);
      const after = await client.query(
        `select id, user_id, title, completed, due_date, tags, created_at, updated_at
         from task order by id`,
      );
      expect(after.rows).toEqual(before.rows);
      const placed = await client.query<{ title: string; owner: string; inbox: boolean }>(`
        select t.title, l.owner_id as owner, l.is_inbox as inbox, t.created_by = t.user_id as mine
        from task t join list l on l.id = t.list_id order by t.title`);
      expect(placed.rows).toEqual([
        { title: "one", owner: "ada", inbox: true, mine: true },
        { title: "three", owner: "bob", inbox: true, mine: true },
        { title: "two", owner: "ada", inbox: true, mine: true },
      ]);
      // Every user has exactly one Inbox, as its owner's member, even without tasks.
      const inboxes = await client.query(`
        select l.owner_id, l.name, m.role from list l
        join list_member m on m.list_id = l.id and m.user_id = l.owner_id
        where l.is_inbox order by l.owner_id`);
      expect(inboxes.rows).toEqual([
        { owner_id: "ada", name: "Inbox", role: "owner" },
        { owner_id: "bob", name: "Inbox", role: "owner" },
        { owner_id: "cy", name: "Inbox", role: "owner" },
      ]);
    } finally {
      await client.end();
      await rm(folder, { recursive: true, force: true });
    }
  });
});
