// The JSON export and import over real HTTP, on a real database, with real signed tokens.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ImportReportSchema } from "@taskbridge/shared/export";
import {
  InviteCreatedSchema,
  ListSchema,
  OWNED_LISTS_MAX,
  type List,
} from "@taskbridge/shared/list";
import { TaskSchema, type Task } from "@taskbridge/shared/task";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { ApiClient, listen } from "./support/http.ts";
import { peakHeldDuring, uploadFromAnotherProcess } from "./support/upload.ts";

const database = await useTestDatabase();
let t: TestApp;
let origin: string;

beforeAll(async () => {
  t = await buildTestApp({ databaseUrl: database.url, mode: "hs256" });
  origin = await listen(t.app);
});
afterAll(() => t.close());

interface Person {
  id: string;
  token: string;
  api: ApiClient;
}

async function person(): Promise<Person> {
  const id = await t.createUser();
  const token = await t.tokenFor(id);
  return { id, token, api: new ApiClient(origin, () => token) };
}

/** The export as the test reads it: loose, so it checks what the API wrote. */
const ExportSchema = z.object({
  format: z.literal("taskbridge"),
  version: z.literal(1),
  exported_at: z.iso.datetime(),
  lists: z.array(
    ListSchema.extend({
      members: z.array(z.object({ email: z.string(), role: z.string() })),
      tasks: z.array(TaskSchema),
    }),
  ),
});
type Exported = z.infer<typeof ExportSchema>;

async function exportOf(who: Person): Promise<Exported> {
  return (await who.api.expect(200, ExportSchema, "GET", "/api/export")).data;
}

async function importInto(who: Person, document: unknown) {
  return (await who.api.expect(200, ImportReportSchema, "POST", "/api/import", document)).data;
}

async function createList(owner: Person, name: string, color = "gray"): Promise<List> {
  return (await owner.api.expect(201, ListSchema, "POST", "/api/lists", { name, color })).data;
}

async function createTask(owner: Person, body: Record<string, unknown>): Promise<Task> {
  return (await owner.api.expect(201, TaskSchema, "POST", "/api/tasks", body)).data;
}

/** Everything a user's rows hold, ids and times aside, to compare before and after. */
async function rowsOf(userId: string) {
  const lists = await t.pool.query(
    `select name, color, archived, is_inbox from list where owner_id = $1 order by name`,
    [userId],
  );
  const tasks = await t.pool.query(
    `select title, description, completed, priority, tags, recurrence, list_id, parent_id,
       updated_at from task where user_id = $1 order by title`,
    [userId],
  );
  const origins = await t.pool.query(`select count(*)::int as n from import_origin`);
  return { lists: lists.rows, tasks: tasks.rows, origins: origins.rows };
}

/** A list's tasks with structure by title: what a round trip must keep. */
function shape(document: Exported) {
  return document.lists
    .map((exported) => {
      const titles = new Map(exported.tasks.map((one) => [one.id, one.title]));
      return {
        name: exported.name,
        color: exported.color,
        is_inbox: exported.is_inbox,
        archived: exported.archived,
        pending_count: exported.pending_count,
        task_count: exported.task_count,
        tasks: exported.tasks
          .map((one) => ({
            title: one.title,
            description: one.description,
            completed: one.completed,
            priority: one.priority,
            due_date: one.due_date,
            due_time: one.due_time,
            tags: one.tags,
            recurrence: one.recurrence,
            remind_at: one.remind_at,
            reminded_at: one.reminded_at,
            parent: one.parent_id === null ? null : titles.get(one.parent_id),
            subtask_count: one.subtask_count,
            completed_subtask_count: one.completed_subtask_count,
          }))
          .sort((a, b) => a.title.localeCompare(b.title)),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** An account with a list, nested subtasks, a completed recurring task and an Inbox task. */
async function filledAccount(): Promise<{ who: Person; work: List }> {
  const who = await person();
  const work = await createList(who, "Work", "blue");
  const archived = await createList(who, "Old", "red");
  await createTask(who, { title: "Old task", list_id: archived.id });
  await who.api.expect(200, ListSchema, "PATCH", `/api/lists/${archived.id}`, { archived: true });
  const top = await createTask(who, {
    title: "Ship it",
    list_id: work.id,
    priority: "high",
    tags: ["release", "q1"],
    description: "All of it",
    due_date: "2026-03-10",
    due_time: "09:30",
    remind_at: "2026-03-10T08:00:00Z",
  });
  const child = await createTask(who, { title: "Write notes", parent_id: top.id });
  await createTask(who, { title: "Proofread", parent_id: child.id, completed: true });
  await createTask(who, {
    title: "Weekly review",
    list_id: work.id,
    due_date: "2026-01-02",
    recurrence: "FREQ=WEEKLY",
    completed: true,
  });
  await createTask(who, { title: "Buy milk" });
  return { who, work };
}

describe("GET /api/export", () => {
  it("answers every owned list with members and tasks, as an attachment named by the date", async () => {
    const { who, work } = await filledAccount();
    const answer = await who.api.expect(200, ExportSchema, "GET", "/api/export");
    const day = new Date().toISOString().slice(0, 10);
    expect(answer.headers.get("content-disposition")).toBe(
      `attachment; filename="taskbridge-${day}.json"`,
    );
    const names = answer.data.lists.map((each) => each.name).sort();
    expect(names).toEqual(["Inbox", "Old", "Work"]);
    const exportedWork = answer.data.lists.find((each) => each.id === work.id);
    expect(exportedWork?.members).toEqual([{ email: `${who.id}@example.test`, role: "owner" }]);
    expect(exportedWork?.tasks.map((one) => one.title).sort()).toEqual([
      "Proofread",
      "Ship it",
      "Weekly review",
      "Write notes",
    ]);
  });

  it("leaves out lists the caller is only a member of", async () => {
    const owner = await person();
    const member = await person();
    const shared = await createList(owner, "Shared");
    await createTask(owner, { title: "Theirs", list_id: shared.id });
    const invite = await owner.api.expect(
      201,
      InviteCreatedSchema,
      "POST",
      `/api/lists/${shared.id}/invites`,
      { role: "editor" },
    );
    await member.api.expect(200, ListSchema, "POST", `/api/invites/${invite.data.token}/accept`);
    const exported = await exportOf(member);
    expect(exported.lists.map((each) => each.name)).toEqual(["Inbox"]);
    expect(exported.lists.flatMap((each) => each.tasks)).toEqual([]);
    const owners = await exportOf(owner);
    const sharedExport = owners.lists.find((each) => each.id === shared.id);
    expect(sharedExport?.members.map((m) => m.role)).toEqual(["owner", "editor"]);
  });
});

describe("POST /api/import", () => {
  it("round trips: export, import into a fresh account, export again gives the same", async () => {
    const { who } = await filledAccount();
    const first = await exportOf(who);
    const fresh = await person();
    const report = await importInto(fresh, first);
    expect(report).toEqual({
      lists: { created: 2, updated: 0 },
      tasks: { created: 6, updated: 0 },
    });
    const second = await exportOf(fresh);
    expect(shape(second)).toEqual(shape(first));
    // New ids, all the caller's.
    const firstIds = new Set(
      first.lists.flatMap((each) => [each.id, ...each.tasks.map((x) => x.id)]),
    );
    for (const each of second.lists) {
      expect(firstIds.has(each.id)).toBe(false);
      expect(each.owner_id).toBe(fresh.id);
      for (const one of each.tasks) {
        expect(firstIds.has(one.id)).toBe(false);
        expect(one.user_id).toBe(fresh.id);
      }
    }
    // The writes went to the change feed as any other write does.
    const feed = await t.pool.query(
      `select count(*)::int as n from change_feed where user_id = $1 and kind = 'task' and op = 'insert'`,
      [fresh.id],
    );
    expect(feed.rows[0]).toEqual({ n: 6 });
    // The completed recurring task spawned nothing.
    const weekly = second.lists
      .flatMap((each) => each.tasks)
      .filter((x) => x.title === "Weekly review");
    expect(weekly).toHaveLength(1);
    expect(weekly[0]?.completed).toBe(true);
  });

  it("merges the exported Inbox into the caller's Inbox", async () => {
    const { who } = await filledAccount();
    const fresh = await person();
    await createTask(fresh, { title: "Already here" });
    await importInto(fresh, await exportOf(who));
    const inboxes = (await exportOf(fresh)).lists.filter((each) => each.is_inbox);
    expect(inboxes).toHaveLength(1);
    expect(inboxes[0]?.tasks.map((x) => x.title).sort()).toEqual(["Already here", "Buy milk"]);
  });

  it("a second import of the same file updates what the first made, never duplicates", async () => {
    const { who } = await filledAccount();
    const file = await exportOf(who);
    const fresh = await person();
    await importInto(fresh, file);
    // A reminder that has rung since stays rung: the same file again does not ring it twice.
    await t.pool.query(
      `update task set reminded_at = '2026-01-02T03:04:05.678Z' where user_id = $1 and remind_at is not null`,
      [fresh.id],
    );
    const before = await exportOf(fresh);
    expect(before.lists.flatMap((each) => each.tasks).some((one) => one.reminded_at)).toBe(true);
    const again = await importInto(fresh, file);
    expect(again).toEqual({ lists: { created: 0, updated: 2 }, tasks: { created: 0, updated: 6 } });
    expect(shape(await exportOf(fresh))).toEqual(shape(before));

    // Changed titles and a renamed list in the file update the same rows.
    const changed = structuredClone(file);
    for (const each of changed.lists) {
      if (each.name === "Work") each.name = "Job";
      for (const one of each.tasks) if (one.title === "Write notes") one.title = "Write the notes";
    }
    const third = await importInto(fresh, changed);
    expect(third).toEqual({ lists: { created: 0, updated: 2 }, tasks: { created: 0, updated: 6 } });
    const after = await exportOf(fresh);
    const ids = (document: Exported) =>
      document.lists.flatMap((each) => [each.id, ...each.tasks.map((x) => x.id)]).sort();
    expect(ids(after)).toEqual(ids(before));
    expect(after.lists.map((each) => each.name).sort()).toEqual(["Inbox", "Job", "Old"]);
    const titles = after.lists.flatMap((each) => each.tasks.map((x) => x.title));
    expect(titles).toContain("Write the notes");
    expect(titles).not.toContain("Write notes");
    const proofread = after.lists
      .flatMap((each) => each.tasks)
      .find((x) => x.title === "Proofread");
    const notes = after.lists
      .flatMap((each) => each.tasks)
      .find((x) => x.title === "Write the notes");
    expect(proofread?.parent_id).toBe(notes?.id);
  });

  it("a file naming another user's list and task ids creates only the caller's rows", async () => {
    const { who: victim } = await filledAccount();
    const file = await exportOf(victim);
    const victimBefore = await rowsOf(victim.id);
    const attacker = await person();
    // Import it once so the attacker has origins too, then change everything in the file.
    await importInto(attacker, file);
    const hostile = structuredClone(file);
    for (const each of hostile.lists) {
      each.name = `${each.name} changed`;
      for (const one of each.tasks) one.title = `${one.title} changed`;
    }
    await importInto(attacker, hostile);
    const victimAfter = await rowsOf(victim.id);
    expect({ lists: victimAfter.lists, tasks: victimAfter.tasks }).toEqual({
      lists: victimBefore.lists,
      tasks: victimBefore.tasks,
    });
    const attackers = await exportOf(attacker);
    expect(attackers.lists.every((each) => each.owner_id === attacker.id)).toBe(true);
    expect(attackers.lists.flatMap((each) => each.tasks)).toHaveLength(6);
    // The victim's ids were never reused.
    const victimIds = new Set(
      file.lists.flatMap((each) => [each.id, ...each.tasks.map((x) => x.id)]),
    );
    for (const each of attackers.lists) {
      if (!each.is_inbox) expect(victimIds.has(each.id)).toBe(false);
      for (const one of each.tasks) expect(victimIds.has(one.id)).toBe(false);
    }
  });

  it("refuses what is not an export with a 422 naming the problem, and changes nothing", async () => {
    const { who } = await filledAccount();
    const file = await exportOf(who);
    const target = await person();
    await createTask(target, { title: "Mine" });
    const before = await rowsOf(target.id);

    const raw = await fetch(`${origin}/api/import`, {
      method: "POST",
      headers: { authorization: `Bearer ${target.token}`, "content-type": "application/json" },
      body: "{ this is not json",
    });
    expect(raw.status).toBe(422);
    expect(((await raw.json()) as { detail: string }).detail).toContain("not JSON");

    const wrongFormat = await target.api.problem(422, "POST", "/api/import", {
      ...file,
      format: "todoist",
    });
    expect(wrongFormat.detail).toContain("format");
    const wrongVersion = await target.api.problem(422, "POST", "/api/import", {
      ...file,
      version: 2,
    });
    expect(wrongVersion.detail).toContain("version");

    const invalid = structuredClone(file);
    const work = invalid.lists.find((each) => each.name === "Work");
    if (!work?.tasks[0]) throw new Error("no task to spoil");
    // A later list is valid; the bad field in this one must still stop the whole import.
    work.tasks[0].priority = "urgent" as never;
    const problem = await target.api.problem(422, "POST", "/api/import", invalid);
    expect(problem.detail).toContain("priority");

    const orphan = structuredClone(file);
    const child = orphan.lists.flatMap((each) => each.tasks).find((x) => x.parent_id !== null);
    if (!child) throw new Error("no subtask");
    child.parent_id = "00000000-0000-4000-8000-000000000000";
    expect((await target.api.problem(422, "POST", "/api/import", orphan)).detail).toContain(
      "parent_id",
    );

    expect(await rowsOf(target.id)).toEqual(before);
  });

  it("409 when the import would pass the cap of owned lists, and nothing is made", async () => {
    const { who } = await filledAccount();
    const file = await exportOf(who);
    const full = await person();
    await t.pool.query(
      `insert into list (owner_id, name) select $1, 'L' || n from generate_series(1, $2) n`,
      [full.id, OWNED_LISTS_MAX - 1],
    );
    const before = await rowsOf(full.id);
    const problem = await full.api.problem(409, "POST", "/api/import", file);
    expect(problem.detail).toContain(String(OWNED_LISTS_MAX));
    expect(await rowsOf(full.id)).toEqual(before);
  });

  it("401 (not 500) when a deleted user's still-valid token imports", async () => {
    const { who } = await filledAccount();
    const file = await exportOf(who);
    const ghost = await person();
    await t.pool.query(`delete from "user" where id = $1`, [ghost.id]);
    const problem = await ghost.api.problem(401, "POST", "/api/import", file);
    expect(problem.detail).toBe("User no longer exists");
  });

  it("refuses a body over 5 MB with 413", async () => {
    const who = await person();
    const big = JSON.stringify({ padding: "x".repeat(5 * 1024 * 1024 + 10) });
    const answer = await fetch(`${origin}/api/import`, {
      method: "POST",
      headers: { authorization: `Bearer ${who.token}`, "content-type": "application/json" },
      body: big,
    });
    expect(answer.status).toBe(413);
    expect(((await answer.json()) as { detail: string }).detail).toContain("5 MB");
  });

  it("refuses a 6 MB body, sent with or without a length, without holding it", async () => {
    const { who } = await filledAccount();
    const before = await rowsOf(who.id);
    const head = '{"format":"taskbridge","version":1,"lists":[{"name":"';
    const row = "x".repeat(16 * 1024);
    const rows = Math.ceil((6 * 1024 * 1024) / row.length);
    for (const chunked of [false, true]) {
      const { result: answer, peak } = await peakHeldDuring(() =>
        uploadFromAnotherProcess({
          url: `${origin}/api/import`,
          headers: {
            authorization: `Bearer ${who.token}`,
            "content-type": "application/json",
            ...(chunked ? {} : { "content-length": String(head.length + rows * row.length) }),
          },
          head,
          row,
          rows,
        }),
      );
      if ("reset" in answer) console.log(`the connection was reset first (${answer.reset})`);
      else expect(answer).toEqual({ status: 413, detail: "Request body is larger than 5 MB" });
      console.log(
        `6 MB import (${chunked ? "chunked" : "with a length"}): peak held ${(peak / 1048576).toFixed(2)} MiB`,
      );
      // Written to disk as it arrives and refused past the limit: never held whole.
      expect(peak).toBeLessThan(1.5 * 1024 * 1024);
      expect(await rowsOf(who.id)).toEqual(before);
    }
  });
});
