// Reminders over real HTTP and real event streams: sent once to every open stream of the owner,
// by whichever API copy takes them, including a copy in another process and one started late.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { TaskSchema } from "@taskbridge/shared/task";
import type { Task } from "@taskbridge/shared/task-rules";
import { freePort } from "../../../tests/database.ts";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { signHs256, TEST_AUDIENCE, TEST_SECRET } from "./support/issuer.ts";
import { ApiClient, listen } from "./support/http.ts";
import { startApiProcess, untilReady, type ApiProcess } from "./support/process.ts";
import { EventStream, type ServerEvent } from "./support/sse.ts";

const database = await useTestDatabase();
const ReminderSchema = z.strictObject({ task: TaskSchema });

const copies: TestApp[] = [];
const streams: EventStream[] = [];
afterEach(async () => {
  await Promise.all(streams.splice(0).map((stream) => stream.close().catch(() => undefined)));
});
afterAll(async () => {
  for (const copy of copies.splice(0)) await copy.close();
});

/** An API copy on the shared database, listening on 127.0.0.1. */
async function startCopy(sendReminders = true) {
  const copy = await buildTestApp({ databaseUrl: database.url, mode: "hs256", sendReminders });
  copies.push(copy);
  const origin = await listen(copy.app);
  return { copy, origin };
}

async function openStream(origin: string, token: string): Promise<EventStream> {
  const response = await fetch(`${origin}/api/events`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(200);
  const stream = new EventStream(response);
  streams.push(stream);
  await stream.until((event) => event.name === "ready");
  return stream;
}

const reminderOf = (id: string) => (event: ServerEvent) =>
  event.name === "reminder" && ReminderSchema.parse(event.data).task.id === id;
const changeOf = (id: string) => (event: ServerEvent) =>
  event.name === "task" && z.object({ id: z.string() }).parse(event.data).id === id;
const remindersIn = (stream: EventStream) =>
  stream.named("reminder").map((data) => ReminderSchema.parse(data).task.id);
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const fromNow = (ms: number) => new Date(Date.now() + ms).toISOString();

describe("reminders", () => {
  let copy: TestApp;
  let origin: string;
  let alice: string;
  let bob: string;
  let api: ApiClient;
  let bobApi: ApiClient;

  beforeAll(async () => {
    ({ copy, origin } = await startCopy());
    alice = await copy.createUser();
    bob = await copy.createUser();
    api = new ApiClient(origin, () => copy.tokenFor(alice));
    bobApi = new ApiClient(origin, () => copy.tokenFor(bob));
  });

  it("goes once to each of the owner's streams, and never to another user", async () => {
    const first = await openStream(origin, await copy.tokenFor(alice));
    const second = await openStream(origin, await copy.tokenFor(alice));
    const bobs = await openStream(origin, await copy.tokenFor(bob));
    const task = await api.create({ title: "Call mum", remind_at: ago(1000) });
    for (const stream of [first, second]) {
      const event = await stream.until(reminderOf(task.id));
      const { task: sent } = ReminderSchema.parse(event.data);
      expect(sent).toMatchObject({ id: task.id, user_id: alice, title: "Call mum" });
      expect(sent.reminded_at).not.toBeNull();
    }
    // A later change reaches every stream after any duplicate would have: there is none.
    await api.update(task.id, { title: "Call mum back" });
    const own = await bobApi.create({ title: "Bob's own" });
    for (const stream of [first, second]) {
      await stream.until(changeOf(task.id));
      expect(remindersIn(stream)).toEqual([task.id]);
    }
    await bobs.until(changeOf(own.id));
    expect(bobs.named("reminder")).toEqual([]);
    expect((await api.get(task.id)).reminded_at).not.toBeNull();
  });

  it("is sent when its time comes, by a timer set to it", async () => {
    const stream = await openStream(origin, await copy.tokenFor(alice));
    const task = await api.create({ title: "Soon", remind_at: fromNow(1500) });
    expect(task.reminded_at).toBeNull();
    const event = await stream.until(reminderOf(task.id));
    const { task: sent } = ReminderSchema.parse(event.data);
    expect(Date.parse(sent.reminded_at ?? "")).toBeGreaterThanOrEqual(
      Date.parse(task.remind_at ?? ""),
    );
  });

  it("re-arms when remind_at changes, and not when the same time is sent back", async () => {
    const stream = await openStream(origin, await copy.tokenFor(alice));
    const task = await api.create({ title: "Again", remind_at: ago(5000) });
    await stream.until(reminderOf(task.id));
    const fired = await api.get(task.id);
    const sentBack = await api.expect(200, TaskSchema, "PUT", `/api/tasks/${task.id}`, fired);
    expect(sentBack.data.reminded_at).toBe(fired.reminded_at);
    const rearmed = await api.update(task.id, { remind_at: ago(1000) });
    expect(rearmed.reminded_at).toBeNull();
    await stream.until(reminderOf(task.id));
    expect(remindersIn(stream)).toEqual([task.id, task.id]);
  });

  it("is cancelled by completing or deleting the task", async () => {
    const stream = await openStream(origin, await copy.tokenFor(alice));
    const done = await api.create({ title: "Done first", remind_at: fromNow(1500) });
    const gone = await api.create({ title: "Deleted", remind_at: fromNow(1500) });
    await api.expect(200, TaskSchema, "PATCH", `/api/tasks/${done.id}/complete`);
    expect((await api.request("DELETE", `/api/tasks/${gone.id}`)).status).toBe(204);
    const completedEarlier = await api.create({
      title: "Completed",
      completed: true,
      remind_at: ago(1000),
    });
    // Later than both: reminders go out in time order, so theirs would have come first.
    const marker = await api.create({ title: "Marker", remind_at: fromNow(2500) });
    await stream.until(reminderOf(marker.id));
    expect(remindersIn(stream)).toEqual([marker.id]);
    expect((await api.get(done.id)).reminded_at).toBeNull();
    expect((await api.get(completedEarlier.id)).reminded_at).toBeNull();
  });

  it("takes remind_at as an instant and refuses anything else", async () => {
    const task = await api.create({ title: "Offset", remind_at: "2030-01-15T09:30:00+02:00" });
    expect(task.remind_at).toBe("2030-01-15T07:30:00.000Z");
    const problem = await api.problem(422, "POST", "/api/tasks", {
      title: "x",
      remind_at: "tomorrow",
    });
    expect(problem.errors?.map((error) => error.field)).toEqual(["remind_at"]);
    await api.problem(422, "POST", "/api/tasks", { title: "x", remind_at: "2030-01-15" });
  });
});

describe("reminders across API copies", () => {
  let server: ApiProcess | undefined;
  afterAll(() => {
    if (server && server.child.exitCode === null) server.child.kill("SIGKILL");
  });

  /** The API as production runs it, in a process of its own, on the same database. */
  async function startProcess(): Promise<string> {
    const port = await freePort();
    server = startApiProcess({
      DATABASE_URL: database.url,
      API_PORT: String(port),
      JWT_MODE: "hs256",
      BETTER_AUTH_SECRET: TEST_SECRET,
      BETTER_AUTH_URL: "http://127.0.0.1:3000",
      JWT_AUDIENCE: TEST_AUDIENCE,
      LOG_LEVEL: "warn",
    });
    const origin = `http://127.0.0.1:${port}`;
    await untilReady(server, origin);
    return origin;
  }

  it("goes once to streams on two API processes, whichever process sends it", async () => {
    const { copy, origin } = await startCopy();
    const user = await copy.createUser();
    const otherOrigin = await startProcess();
    const token = await signHs256(user, { issuer: "http://127.0.0.1:3000" });
    const here = await openStream(origin, await copy.tokenFor(user));
    const there = await openStream(otherOrigin, token);
    const api = new ApiClient(origin, () => copy.tokenFor(user));
    const tasks: Task[] = [];
    for (let i = 0; i < 5; i++)
      tasks.push(await api.create({ title: `Due ${i}`, remind_at: ago(1000 - i) }));
    const last = await api.create({ title: "After", remind_at: fromNow(1000) });
    for (const stream of [here, there]) {
      await stream.until(reminderOf(last.id));
      expect(remindersIn(stream).sort()).toEqual([...tasks.map((task) => task.id), last.id].sort());
    }
  });

  it("sends a reminder that fell due while no copy ran when a copy starts", async () => {
    const first = await startCopy();
    const user = await first.copy.createUser();
    const api = new ApiClient(first.origin, () => first.copy.tokenFor(user));
    const task = await api.create({ title: "While down", remind_at: fromNow(3_600_000) });
    // Every sending copy stops; meanwhile the reminder's time passes.
    for (const copy of copies.splice(0)) await copy.close();
    if (server && server.child.exitCode === null) server.child.kill("SIGKILL");
    const { default: pg } = await import("pg");
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query(`update task set remind_at = now() - interval '1 minute' where id = $1`, [
      task.id,
    ]);
    await client.end();
    // A copy that only delivers holds the stream; the reminder waits for a copy that sends.
    const holder = await startCopy(false);
    const stream = await openStream(holder.origin, await holder.copy.tokenFor(user));
    const holderApi = new ApiClient(holder.origin, () => holder.copy.tokenFor(user));
    expect((await holderApi.get(task.id)).reminded_at).toBeNull();
    await startCopy(true);
    await stream.until(reminderOf(task.id));
    expect(remindersIn(stream)).toEqual([task.id]);
  });
});
