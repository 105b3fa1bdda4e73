import { EventSourceParserStream, type EventSourceMessage } from "eventsource-parser/stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { task } from "@taskbridge/db/schema";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";

const database = await useTestDatabase();

/** Reads server-sent events from a fetch response, with the parser the web app uses. */
class EventReader {
  private readonly reader: ReadableStreamDefaultReader<EventSourceMessage>;

  constructor(response: Response) {
    if (!response.body) throw new Error("no body");
    this.reader = response.body
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream())
      .getReader();
  }

  /** Events of `type` until `count` arrived or `timeoutMs` passed. */
  async next(type: string, count: number, timeoutMs = 5000): Promise<unknown[]> {
    const events: unknown[] = [];
    const deadline = Date.now() + timeoutMs;
    while (events.length < count && Date.now() < deadline) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const message = await Promise.race([
        this.reader.read(),
        new Promise<undefined>(
          (resolve) => (timer = setTimeout(() => resolve(undefined), deadline - Date.now())),
        ),
      ]);
      clearTimeout(timer);
      if (!message || message.done) break;
      if (message.value.event === type) events.push(JSON.parse(message.value.data));
    }
    return events;
  }

  close(): Promise<void> {
    return this.reader.cancel();
  }
}

describe("live task changes", () => {
  let t: TestApp;
  let base: string;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    t = await buildTestApp({ databaseUrl: database.url, mode: "hs256" });
    alice = await t.createUser();
    bob = await t.createUser();
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    const address = t.app.server.address();
    if (!address || typeof address === "string") throw new Error("no address");
    base = `http://127.0.0.1:${address.port}`;
  });
  afterAll(() => t.close());

  const open = async (userId: string) =>
    fetch(`${base}/api/events`, {
      headers: { authorization: `Bearer ${await t.tokenFor(userId)}` },
    });

  it("streams the owner's changes, made by any writer, and never another user's", async () => {
    const aliceStream = await open(alice);
    expect(aliceStream.status).toBe(200);
    expect(aliceStream.headers.get("content-type")).toContain("text/event-stream");
    const stream = new EventReader(aliceStream);
    try {
      expect(await stream.next("ready", 1)).toHaveLength(1);
      const [own] = await t.db.insert(task).values({ userId: alice, title: "mine" }).returning();
      await t.db.insert(task).values({ userId: bob, title: "not for alice" });
      expect(await stream.next("task", 2, 1500)).toEqual([{ id: own?.id, op: "insert" }]);
    } finally {
      await stream.close();
    }
  });

  it("refuses a stream without a token", async () => {
    const response = await fetch(`${base}/api/events`);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain("Bearer");
  });
});

describe("streams and token expiry", () => {
  let t: TestApp;
  let base: string;

  beforeAll(async () => {
    t = await buildTestApp({ databaseUrl: database.url, mode: "hs256" });
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    const address = t.app.server.address();
    if (!address || typeof address === "string") throw new Error("no address");
    base = `http://127.0.0.1:${address.port}`;
  });
  afterAll(() => t.close());

  it("ends a stream when the token that opened it expires, and delivers nothing after", async () => {
    const owner = await t.createUser();
    const now = Math.floor(Date.now() / 1000);
    const shortLived = await t.tokenFor(owner, { claims: { iat: now, exp: now + 2 } });
    const response = await fetch(`${base}/api/events`, {
      headers: { authorization: `Bearer ${shortLived}` },
    });
    expect(response.status).toBe(200);
    const reader = response.body?.getReader();
    if (!reader) throw new Error("no body");
    let ended = false;
    // Bounded: the stream must end on its own well before the heartbeat or any other timer.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const chunk = await reader.read();
      if (chunk.done) {
        ended = true;
        break;
      }
    }
    expect(ended).toBe(true);
    await t.db.insert(task).values({ userId: owner, title: "after expiry" });
  });
});
