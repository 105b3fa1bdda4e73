// The browser's API client against a fake fetch: what it sends, and what it does with a refusal.
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { ApiClient, ApiError, dispatchLiveEvent, readEventStream } from "../src/lib/api-client.ts";
import { TokenManager } from "../src/lib/token-manager.ts";

const key = new TextEncoder().encode("unit-test-key-that-is-long-enough-000");
const tokenFor = (subject: string) =>
  new SignJWT({})
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime("15m")
    .sign(key);

const task = {
  id: randomUUID(),
  user_id: "u1",
  title: "Renewed",
  description: null,
  completed: false,
  priority: "medium",
  due_date: null,
  due_time: null,
  recurrence: null,
  remind_at: null,
  reminded_at: null,
  previous_id: null,
  list_id: "0193a5b2-7c1e-7d2a-9b1f-2c3d4e5f6a7b",
  parent_id: null,
  assignee_id: null,
  created_by: null,
  subtask_count: 0,
  completed_subtask_count: 0,
  tags: [],
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: "2026-01-01T00:00:00.000Z",
};

const problem = (status: number, detail: string) =>
  new Response(JSON.stringify({ type: "about:blank", title: "Refused", status, detail }), {
    status,
    headers: { "content-type": "application/problem+json" },
  });

/** A fake API that accepts only the tokens in `valid`, recording each Authorization it got. */
function fakeApi(valid: Set<string>) {
  const seen: string[] = [];
  const fetch: typeof globalThis.fetch = async (_input, init) => {
    const authorization = new Headers(init?.headers).get("authorization") ?? "";
    seen.push(authorization);
    const token = authorization.replace(/^Bearer /, "");
    if (!valid.has(token)) return problem(401, "The token has expired");
    return new Response(JSON.stringify(task), {
      status: 200,
      headers: { "content-type": "application/json" },
    });
  };
  return { fetch, seen };
}

describe("ApiClient on a refused token", () => {
  it("renews the token once and retries the request with the new one", async () => {
    const tokens = [await tokenFor("old"), await tokenFor("new")];
    let fetched = 0;
    const manager = new TokenManager(async () => tokens[fetched++] ?? null);
    const api = fakeApi(new Set([tokens[1] ?? ""]));
    const client = new ApiClient("http://api.test", manager, undefined, api.fetch);

    await expect(client.setCompleted(task.id, true)).resolves.toEqual({
      task,
      spawnedNext: false,
    });
    expect(api.seen).toEqual([`Bearer ${tokens[0]}`, `Bearer ${tokens[1]}`]);
    expect(fetched).toBe(2);
  });

  it("gives up after one retry, with the API's own message", async () => {
    let fetched = 0;
    const manager = new TokenManager(async () => {
      fetched += 1;
      return tokenFor(`t${fetched}`);
    });
    const api = fakeApi(new Set());
    const client = new ApiClient("http://api.test", manager, undefined, api.fetch);

    const error = await client.createTask({ title: "x" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 401, detail: "The token has expired" });
    expect(api.seen).toHaveLength(2);
    expect(fetched).toBe(2);
  });

  it("reports a session that ended instead of retrying", async () => {
    const first = await tokenFor("old");
    let fetched = 0;
    const manager = new TokenManager(async () => (fetched++ === 0 ? first : null));
    let signedOut = 0;
    const api = fakeApi(new Set());
    const client = new ApiClient("http://api.test", manager, () => (signedOut += 1), api.fetch);

    await expect(client.deleteTask(task.id)).rejects.toThrow(/session has ended/);
    expect(signedOut).toBe(1);
    expect(api.seen).toHaveLength(1);
  });
});

/** A body that arrives in the given pieces, as a network delivers it. */
function bodyOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

describe("readEventStream", () => {
  it("reads events split across chunks, skipping comments", async () => {
    const events: Array<{ event: string | undefined; data: string }> = [];
    await readEventStream(
      bodyOf([
        "event: ready\ndata: {}\n\n: keep-alive\n\nevent: ta",
        'sk\ndata: {"id":"a","op":"insert"}\n',
        '\nevent: task\r\ndata: {"id":"b","op":"delete"}\r\n\r\n',
      ]),
      ({ event, data }) => events.push({ event, data }),
    );
    expect(events).toEqual([
      { event: "ready", data: "{}" },
      { event: "task", data: '{"id":"a","op":"insert"}' },
      { event: "task", data: '{"id":"b","op":"delete"}' },
    ]);
  });

  it("drops an event the stream ended in the middle of", async () => {
    const events: string[] = [];
    await readEventStream(bodyOf(["event: task\ndata: {}\n\nevent: task\ndata: {"]), (event) =>
      events.push(event.data),
    );
    expect(events).toEqual(["{}"]);
  });
});

describe("dispatchLiveEvent", () => {
  it("hands each kind of event to its handler, and a change of the user's lists to onLists", () => {
    const seen: string[] = [];
    const handlers = {
      onReady: (resumed: boolean) => seen.push(resumed ? "ready resumed" : "ready"),
      onResync: () => seen.push("resync"),
      onTask: (change: { id: string; op: string }) => seen.push(`task ${change.id} ${change.op}`),
      onReminder: () => seen.push("reminder"),
      onLists: () => seen.push("lists"),
    };
    for (const [event, data] of [
      ["ready", "{}"],
      ["task", '{"id":"a","op":"delete"}'],
      ["lists", '{"list_id":"l","user_id":"u","op":"delete"}'],
      ["unknown", "{}"],
      ["task", "not json"],
      ["resync", "{}"],
    ] as const) {
      dispatchLiveEvent({ event, data, id: undefined }, handlers);
    }
    dispatchLiveEvent({ event: "ready", data: "{}", id: undefined }, handlers, true);
    expect(seen).toEqual(["ready", "task a delete", "lists", "resync", "ready resumed"]);
  });
});

describe("ApiClient.follow", () => {
  it("reopens an ended stream after the last position it heard, and says it resumed", async () => {
    const token = await tokenFor("someone");
    const sent: Array<string | null> = [];
    const bodies = [
      'retry: 3000\nid: 5\nevent: ready\ndata: {}\n\nid: 6\nevent: task\ndata: {"id":"a","op":"insert"}\n\nretry: 500\n\n',
      'retry: 3000\nevent: ready\ndata: {}\n\nid: 7\nevent: lists\ndata: {"list_id":"l","user_id":null,"op":"update"}\n\n',
      "retry: 3000\nevent: ready\ndata: {}\n\nid: 9\nevent: resync\ndata: {}\n\n",
    ];
    const stop = new AbortController();
    const fetch: typeof globalThis.fetch = async (_input, init) => {
      sent.push(new Headers(init?.headers).get("last-event-id"));
      const body = bodies[sent.length - 1];
      if (body === undefined) {
        stop.abort();
        throw new DOMException("aborted", "AbortError");
      }
      return new Response(bodyOf([body]), { headers: { "content-type": "text/event-stream" } });
    };
    const client = new ApiClient(
      "http://api.test",
      new TokenManager(async () => token),
      undefined,
      fetch,
    );
    const seen: string[] = [];
    await client.follow(
      {
        onReady: (resumed) => seen.push(resumed ? "ready resumed" : "ready"),
        onResync: () => seen.push("resync"),
        onTask: ({ id }) => seen.push(`task ${id}`),
        onReminder: () => seen.push("reminder"),
        onLists: () => seen.push("lists"),
      },
      stop.signal,
    );
    expect(sent).toEqual([null, "6", "7", "9"]);
    expect(seen).toEqual(["ready", "task a", "ready resumed", "lists", "ready resumed", "resync"]);
  });
});
