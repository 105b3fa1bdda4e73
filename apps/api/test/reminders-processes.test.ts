// Reminders with two API processes on one database, each a real server on a loopback port, and
// one user with an event stream open on each: a reminder reaches each stream once, and a copy
// killed (SIGKILL) in the middle of taking a reminder neither loses it nor sends it twice.
//
// A copy takes due reminders and announces them in one statement (src/live/reminders.ts): the
// NOTIFY leaves only when that statement commits. To kill the taking copy at the worst moment,
// the test holds the user's change-feed head row locked: the statement marking the reminder
// (whose feed trigger writes that row) then waits in the middle, its task rows locked and
// updated but not committed. The test finds which copy's connection waits, and kills that copy.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { TaskSchema } from "@taskbridge/shared/task";
import type { Task } from "@taskbridge/shared/task-rules";
import { freePort } from "../../../tests/database.ts";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { signHs256, TEST_AUDIENCE, TEST_SECRET } from "./support/issuer.ts";
import { ApiClient } from "./support/http.ts";
import { startApiProcess, untilReady, type ApiProcess } from "./support/process.ts";
import { EventStream, type ServerEvent } from "./support/sse.ts";

const database = await useTestDatabase();
const ReminderSchema = z.strictObject({ task: TaskSchema });
const ISSUER = "http://127.0.0.1:3000";

interface Copy {
  server: ApiProcess;
  origin: string;
}

const processes: ApiProcess[] = [];
const streams: EventStream[] = [];
const clients: pg.Client[] = [];

async function startCopy(): Promise<Copy> {
  const port = await freePort();
  const server = startApiProcess({
    DATABASE_URL: database.url,
    API_PORT: String(port),
    JWT_MODE: "hs256",
    BETTER_AUTH_SECRET: TEST_SECRET,
    BETTER_AUTH_URL: ISSUER,
    JWT_AUDIENCE: TEST_AUDIENCE,
    LOG_LEVEL: "warn",
  });
  processes.push(server);
  const origin = `http://127.0.0.1:${port}`;
  await untilReady(server, origin);
  return { server, origin };
}

async function kill(server: ApiProcess): Promise<void> {
  if (server.child.exitCode === null && server.child.signalCode === null)
    server.child.kill("SIGKILL");
  await Promise.race([server.exited, sleep(10_000)]);
}

async function connect(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  clients.push(client);
  return client;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const fromNow = (ms: number) => new Date(Date.now() + ms).toISOString();
const reminderOf = (id: string) => (event: ServerEvent) =>
  event.name === "reminder" && ReminderSchema.parse(event.data).task.id === id;
const remindersIn = (stream: EventStream) =>
  stream.named("reminder").map((data) => ReminderSchema.parse(data).task.id);

async function openStream(origin: string, token: string): Promise<EventStream> {
  const response = await fetch(`${origin}/api/events`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(60_000),
  });
  expect(response.status).toBe(200);
  const stream = new EventStream(response);
  streams.push(stream);
  await stream.until((event) => event.name === "ready");
  return stream;
}

/** Reads whatever the stream has sent until `ms` have passed (a stream that ended is fine). */
async function drain(stream: EventStream, ms: number): Promise<void> {
  await stream.until(() => false, ms).catch(() => undefined);
}

/** Whether process `pid` holds a TCP socket whose local port is `port` (read from /proc). */
function holdsLocalPort(pid: number, port: number): boolean {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target = "";
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode) inodes.add(inode);
  }
  for (const table of [`/proc/${pid}/net/tcp`, `/proc/${pid}/net/tcp6`]) {
    let text = "";
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      const inode = fields[9];
      if (!local || !inode) continue;
      const localPort = Number.parseInt(local.split(":")[1] ?? "", 16);
      if (localPort === port && inodes.has(inode)) return true;
    }
  }
  return false;
}

/** Every `task_reminders` notification, counted by task id, as the database sent them. */
async function countNotifications(): Promise<Map<string, number>> {
  const listener = await connect();
  const counts = new Map<string, number>();
  listener.on("notification", (message) => {
    if (message.channel !== "task_reminders" || !message.payload) return;
    const { id } = z.object({ id: z.string() }).parse(JSON.parse(message.payload));
    counts.set(id, (counts.get(id) ?? 0) + 1);
  });
  await listener.query("LISTEN task_reminders");
  return counts;
}

let admin: pg.Client;
let sent: Map<string, number>;

beforeAll(async () => {
  admin = await connect();
  sent = await countNotifications();
});

afterAll(async () => {
  await Promise.all(streams.splice(0).map((stream) => stream.close().catch(() => undefined)));
  await Promise.all(processes.splice(0).map(kill));
  await Promise.all(clients.splice(0).map((client) => client.end().catch(() => undefined)));
});

async function newUser(): Promise<{ id: string; token: string }> {
  const id = `user-${randomBytes(6).toString("hex")}`;
  await admin.query(`insert into "user" (id, name, email) values ($1, $2, $3)`, [
    id,
    `User ${id}`,
    `${id}@example.test`,
  ]);
  return { id, token: await signHs256(id, { issuer: ISSUER }) };
}

async function remindedAt(id: string): Promise<Date | null> {
  const { rows } = await admin.query<{ reminded_at: Date | null }>(
    `select reminded_at from task where id = $1`,
    [id],
  );
  return rows[0]?.reminded_at ?? null;
}

describe("reminders across two API processes", { timeout: 120_000 }, () => {
  let a: Copy;
  let b: Copy;

  beforeAll(async () => {
    [a, b] = await Promise.all([startCopy(), startCopy()]);
  }, 120_000);

  it("reach each of the user's streams on both copies exactly once", async () => {
    const user = await newUser();
    const onA = await openStream(a.origin, user.token);
    const onB = await openStream(b.origin, user.token);
    const api = new ApiClient(a.origin, () => Promise.resolve(user.token));
    const tasks: Task[] = [];
    for (let i = 0; i < 6; i++) {
      const through =
        i % 2 === 0 ? api : new ApiClient(b.origin, () => Promise.resolve(user.token));
      tasks.push(await through.create({ title: `Soon ${i}`, remind_at: fromNow(2000 + i * 150) }));
    }
    const ids = tasks.map((task) => task.id).sort();
    for (const stream of [onA, onB]) {
      for (const id of ids) await stream.until(reminderOf(id), 20_000);
    }
    // Long enough for a second send by the other copy to show up.
    await Promise.all([drain(onA, 2000), drain(onB, 2000)]);
    expect(remindersIn(onA).sort()).toEqual(ids);
    expect(remindersIn(onB).sort()).toEqual(ids);
    for (const id of ids) {
      expect(sent.get(id)).toBe(1);
      expect(await remindedAt(id)).not.toBeNull();
    }
  });

  /**
   * Holds `userId`'s change-feed head locked until a copy's reminder connection waits on it (the
   * copy is in the middle of taking the reminder), and returns that copy and its backend's pid.
   */
  async function catchTaker(
    userId: string,
    holder: pg.Client,
  ): Promise<{ taker: Copy; other: Copy; backend: number }> {
    await holder.query("begin");
    await holder.query(`select 1 from change_feed_head where user_id = $1 for update`, [userId]);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const { rows } = await admin.query<{ pid: number; client_port: number }>(
        `select pid, client_port from pg_stat_activity
         where datname = current_database() and application_name = 'taskbridge-reminders'
           and wait_event_type = 'Lock'`,
      );
      if (rows.length > 1) throw new Error("both copies wait: expected one taker");
      const waiting = rows[0];
      if (waiting) {
        for (const [taker, other] of [
          [a, b],
          [b, a],
        ] as const) {
          const pid = taker.server.child.pid;
          if (pid !== undefined && holdsLocalPort(pid, waiting.client_port))
            return { taker, other, backend: waiting.pid };
        }
        throw new Error(`no API process holds port ${waiting.client_port}`);
      }
      await sleep(50);
    }
    throw new Error("no copy started taking the reminder");
  }

  for (const [title, abortStatement] of [
    ["its statement is cut off with it (nothing was taken: the other copy takes it)", true],
    ["its statement runs on after it (taken and announced: the other copy delivers it)", false],
  ] as const) {
    it(`is sent once when the copy taking it is killed: ${title}`, async () => {
      const user = await newUser();
      const onA = await openStream(a.origin, user.token);
      const onB = await openStream(b.origin, user.token);
      const api = new ApiClient(a.origin, () => Promise.resolve(user.token));
      const task = await api.create({ title: "Killed midway", remind_at: fromNow(2500) });
      const holder = await connect();
      const { taker, other, backend } = await catchTaker(user.id, holder);
      expect(await remindedAt(task.id)).toBeNull();
      await kill(taker.server);
      if (abortStatement) {
        // As when the machine goes: the transaction ends with the connection, uncommitted.
        await admin.query(`select pg_terminate_backend($1)`, [backend]);
      }
      await holder.query("rollback");
      const survivor = taker === a ? onB : onA;
      await survivor.until(reminderOf(task.id), 15_000);
      expect(await remindedAt(task.id)).not.toBeNull();

      // The killed copy starts again (on another port): nothing is sent again.
      const restarted = await startCopy();
      if (taker === a) a = restarted;
      else b = restarted;
      const onRestarted = await openStream(restarted.origin, user.token);
      await Promise.all([drain(survivor, 3000), drain(onRestarted, 3000)]);
      expect(remindersIn(survivor)).toEqual([task.id]);
      expect(remindersIn(onRestarted)).toEqual([]);
      expect(sent.get(task.id)).toBe(1);
      expect(other.server.child.exitCode).toBeNull();
      await holder.end();
    });
  }
});
