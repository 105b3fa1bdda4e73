import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { refusalReasonLabel } from "../src/plugins/metrics.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { testConfig } from "./support/config.ts";
import { listen } from "./support/http.ts";
import { taskOf } from "./support/parse.ts";
import { EventStream } from "./support/sse.ts";

const database = await useTestDatabase();
const METRICS_TOKEN = "metrics-token-for-tests-0123456789";

let t: TestApp;
let unset: TestApp;
let alice: string;
let token: string;

beforeAll(async () => {
  t = await buildTestApp({
    databaseUrl: database.url,
    mode: "hs256",
    env: { METRICS_TOKEN },
  });
  // Only `t` sends reminders, so the one it sends is counted there.
  unset = await buildTestApp({ databaseUrl: database.url, mode: "hs256", sendReminders: false });
  alice = await t.createUser();
  token = await t.tokenFor(alice);
});
afterAll(async () => {
  await t.close();
  await unset.close();
});

function scrape(app: TestApp, authorization?: string) {
  return app.app.inject({
    method: "GET",
    url: "/metrics",
    headers: authorization === undefined ? {} : { authorization },
  });
}

describe("/metrics on the API", () => {
  it("is a 404 like any unknown path without the token, with a wrong one, or when unset", async () => {
    const unknown = await t.app.inject({ method: "GET", url: "/nothing-here" });
    expect(unknown.statusCode).toBe(404);
    for (const response of [
      await scrape(t),
      await scrape(t, "Bearer wrong-token-wrong-token-00"),
      await scrape(t, `Bearer ${METRICS_TOKEN}x`),
      await scrape(t, METRICS_TOKEN),
      await scrape(t, `Basic ${METRICS_TOKEN}`),
      await scrape(unset),
      await scrape(unset, `Bearer ${METRICS_TOKEN}`),
    ]) {
      expect(response.statusCode).toBe(404);
      expect(response.headers["content-type"]).toBe(unknown.headers["content-type"]);
      expect(response.json()).toMatchObject({
        status: 404,
        title: unknown.json<{ title: string }>().title,
      });
    }
  });

  it("counts requests by route template and status, never by raw path or user id", async () => {
    const created = await t.app.inject({
      method: "POST",
      url: "/api/tasks",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      payload: JSON.stringify({ title: "Measured" }),
    });
    expect(created.statusCode).toBe(201);
    const task = taskOf(created);
    for (const url of [`/api/tasks/${task.id}`, `/api/${alice}/tasks/${task.id}`]) {
      const read = await t.app.inject({
        method: "GET",
        url,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(read.statusCode).toBe(200);
    }
    await t.app.inject({ method: "GET", url: `/no/such/${task.id}` });
    await t.app.inject({ method: "GET", url: "/api/me" });
    await t.app.inject({
      method: "GET",
      url: "/api/me",
      headers: { authorization: "Bearer not.a.token" },
    });

    const response = await scrape(t, `Bearer ${METRICS_TOKEN}`);
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/plain/);
    const text = response.body;
    expect(text).toMatch(
      /taskbridge_http_request_duration_seconds_count\{method="GET",route="\/api\/tasks\/:id",status="200"\} 1/,
    );
    expect(text).toMatch(
      /taskbridge_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/api\/:user_id\/tasks\/:id",status="200"\}/,
    );
    expect(text).toMatch(
      /taskbridge_http_requests_total\{method="POST",route="\/api\/tasks",status="201"\} 1/,
    );
    expect(text).toMatch(
      /taskbridge_http_requests_total\{method="GET",route="unmatched",status="404"\}/,
    );
    expect(text).toMatch(/taskbridge_token_refusals_total\{reason="no token"\} 1/);
    expect(text).toMatch(
      /taskbridge_token_refusals_total\{reason="token is not a compact JWS"\} 1/,
    );
    expect(text).toMatch(/^taskbridge_event_streams_open 0$/m);
    expect(text).toMatch(/^taskbridge_db_pool_waiting 0$/m);
    expect(text).toMatch(/^taskbridge_reminders_sent_total \d+$/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds /m);
    expect(text).not.toContain(task.id);
    expect(text).not.toContain(alice);
  });

  it("counts open event streams and the reminders this copy sent", async () => {
    const origin = await listen(t.app);
    const response = await fetch(`${origin}/api/events`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    const stream = new EventStream(response);
    try {
      await stream.until((event) => event.name === "ready");
      const sentBefore = Number(
        /^taskbridge_reminders_sent_total (\d+)$/m.exec(
          (await scrape(t, `Bearer ${METRICS_TOKEN}`)).body,
        )?.[1],
      );
      expect((await scrape(t, `Bearer ${METRICS_TOKEN}`)).body).toMatch(
        /^taskbridge_event_streams_open 1$/m,
      );
      const created = await t.app.inject({
        method: "POST",
        url: "/api/tasks",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        payload: JSON.stringify({
          title: "Remind me",
          remind_at: new Date(Date.now() - 1000).toISOString(),
        }),
      });
      expect(created.statusCode).toBe(201);
      await stream.until((event) => event.name === "reminder");
      // The stream hears of the reminder (NOTIFY at the sender's commit) before or after the
      // sender counts it, as the two race: the count is read until it is there.
      await expect
        .poll(async () => (await scrape(t, `Bearer ${METRICS_TOKEN}`)).body)
        .toMatch(new RegExp(`^taskbridge_reminders_sent_total ${sentBefore + 1}$`, "m"));
    } finally {
      await stream.close();
    }
    await expect
      .poll(async () => (await scrape(t, `Bearer ${METRICS_TOKEN}`)).body)
      .toMatch(/^taskbridge_event_streams_open 0$/m);
  });

  it("wants a METRICS_TOKEN of at least 16 characters, and reads an empty one as unset", () => {
    expect(() => testConfig({ METRICS_TOKEN: "too-short" })).toThrow(/METRICS_TOKEN/);
    expect(testConfig({ METRICS_TOKEN: "" }).metricsToken).toBeUndefined();
    expect(testConfig({ METRICS_TOKEN }).metricsToken).toBe(METRICS_TOKEN);
  });

  it("folds refusal reasons that carry client input into a fixed set", () => {
    expect(refusalReasonLabel("alg none-of-your-business not allowed in jwks mode")).toBe(
      "alg not allowed",
    );
    expect(refusalReasonLabel("token header carries jku")).toBe("forbidden header field");
    expect(refusalReasonLabel("expired: exp is in the past")).toBe("expired");
    expect(refusalReasonLabel("something new")).toBe("other");
  });
});

describe("the auth-event line of an accepted invite", () => {
  it("is one line with the event, user id, client address and request id, and not the token", async () => {
    const lines: string[] = [];
    const logged = await buildTestApp({
      databaseUrl: database.url,
      mode: "hs256",
      logStream: { write: (line) => void lines.push(line) },
    });
    try {
      const owner = await logged.createUser();
      const guest = await logged.createUser();
      const as = async (userId: string) => ({
        authorization: `Bearer ${await logged.tokenFor(userId)}`,
        "content-type": "application/json",
      });
      const list = await logged.app.inject({
        method: "POST",
        url: "/api/lists",
        headers: await as(owner),
        payload: JSON.stringify({ name: "Shared", color: "gray" }),
      });
      const listId = list.json<{ id: string }>().id;
      const made = await logged.app.inject({
        method: "POST",
        url: `/api/lists/${listId}/invites`,
        headers: await as(owner),
        payload: JSON.stringify({ role: "viewer" }),
      });
      const inviteToken = made.json<{ token: string }>().token;
      const guestHeaders = await as(guest);
      const accepted = await logged.app.inject({
        method: "POST",
        url: `/api/invites/${encodeURIComponent(inviteToken)}/accept`,
        headers: { authorization: guestHeaders.authorization, "x-request-id": "req-accept-1" },
      });
      expect(accepted.statusCode).toBe(200);
      const events = lines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line.msg === "auth event");
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        level: 30,
        msg: "auth event",
        event: "invite-accepted",
        userId: guest,
        ip: "127.0.0.1",
        requestId: "req-accept-1",
        listId,
      });
      expect(events[0]?.time).toEqual(expect.any(Number));
      const line = JSON.stringify(events[0]);
      expect(line).not.toContain(inviteToken);
      expect(lines.join("")).not.toContain(guestHeaders.authorization.slice(7));
    } finally {
      await logged.close();
    }
  });
});
