// The API process as it runs in production: configuration errors named at start, and a SIGTERM
// that lets requests in flight finish, ends event streams, and exits cleanly; a web app that is
// slower to start than the API is waited for without a warning.
import type { ChildProcess } from "node:child_process";
import http from "node:http";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../../tests/database.ts";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { signHs256, TEST_AUDIENCE, TEST_SECRET, TestIssuer } from "./support/issuer.ts";
import { startApiProcess, untilReady } from "./support/process.ts";

const database = await useTestDatabase();
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

function start(env: Record<string, string>) {
  const server = startApiProcess(env);
  children.push(server.child);
  return server;
}

describe("the API process", () => {
  it("names every bad variable and exits non-zero", async () => {
    const server = start({ JWT_MODE: "hs256", BETTER_AUTH_SECRET: "short", API_PORT: "nope" });
    expect(await server.exited).toBe(1);
    expect(server.output()).toMatch(/DATABASE_URL/);
    expect(server.output()).toMatch(/API_PORT/);
    expect(server.output()).toMatch(/BETTER_AUTH_SECRET: must be at least 32 characters/);
    expect(server.output()).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it("refuses a long but guessable HS256 secret and a lifetime it cannot honour, saying how to fix them", async () => {
    const server = start({
      DATABASE_URL: "postgres://unused@127.0.0.1/unused",
      JWT_MODE: "hs256",
      BETTER_AUTH_SECRET: "12345678901234567890123456789012",
      JWT_LIFETIME_SECONDS: "7200",
    });
    expect(await server.exited).toBe(1);
    expect(server.output()).toMatch(/BETTER_AUTH_SECRET: is too easy to guess/);
    expect(server.output()).toContain("openssl rand -base64 32");
    expect(server.output()).toMatch(/JWT_LIFETIME_SECONDS: must be at most 3600 seconds/);
  });

  it("waits calmly for a web app that serves its keys a little after the API starts", async () => {
    const port = await freePort();
    const issuer = await TestIssuer.start();
    issuer.setAvailable(false);
    try {
      const server = start({
        DATABASE_URL: database.url,
        API_PORT: String(port),
        BETTER_AUTH_URL: issuer.origin,
        JWT_AUDIENCE: TEST_AUDIENCE,
      });
      const base = `http://127.0.0.1:${port}`;
      await expect
        .poll(() => server.output(), { timeout: 60_000 })
        .toContain("waiting for the verification keys");
      // Two more tries (one every 2 s) fail before the keys come.
      await new Promise((resolve) => setTimeout(resolve, 4500));
      issuer.setAvailable(true);
      await untilReady(server, base);
      // Log lines are written out within 250 ms.
      await expect.poll(() => server.output()).toContain("verification keys loaded");
      const lines = server.output().trim().split("\n");
      expect(
        lines.filter((line) => line.includes("waiting for the verification keys")),
      ).toHaveLength(1);
      expect(lines.filter((line) => /"level":[4-6]0/.test(line))).toEqual([]);
    } finally {
      await issuer.close();
    }
  });

  it("finishes requests in flight on SIGTERM, ends event streams and idle connections, and exits 0", async () => {
    const port = await freePort();
    const issuer = "http://127.0.0.1:3000";
    const server = start({
      DATABASE_URL: database.url,
      API_PORT: String(port),
      JWT_MODE: "hs256",
      BETTER_AUTH_SECRET: TEST_SECRET,
      BETTER_AUTH_URL: issuer,
      JWT_AUDIENCE: TEST_AUDIENCE,
      LOG_LEVEL: "warn",
    });
    const base = `http://127.0.0.1:${port}`;
    await untilReady(server, base);
    const userId = "shutdown-user";
    const { default: pg } = await import("pg");
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query(`insert into "user" (id, name, email) values ($1, 'S', 's@example.test')`, [
      userId,
    ]);
    await client.end();
    const headers = { authorization: `Bearer ${await signHs256(userId, { issuer })}` };

    const stream = await fetch(`${base}/api/events`, { headers });
    expect(stream.status).toBe(200);
    const streamText = stream.text().catch(() => "");

    // Requests whose bodies are still arriving when SIGTERM comes: in flight, so they finish. The
    // client keeps its connections open as a browser does (Node's own agent drops an idle one
    // after 5 s): the answers must close them, or closing waits for the client.
    const agent = new http.Agent({ keepAlive: true, timeout: 120_000 });
    const body = JSON.stringify({ title: "written while stopping" });
    const requests = Array.from({ length: 5 }, () => {
      const request = http.request(`${base}/api/tasks`, {
        agent,
        method: "POST",
        headers: {
          ...headers,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
        },
      });
      const answer = new Promise<{ status?: number; connection?: string }>((resolve, reject) => {
        request.on("response", (response) => {
          response.resume();
          resolve({ status: response.statusCode, connection: response.headers.connection });
        });
        request.on("error", reject);
      });
      request.write(body.slice(0, 10));
      return { request, answer };
    });
    // And a connection opened ahead of need, with nothing sent on it yet, as browsers open them.
    const unused = net.connect(port, "127.0.0.1");
    const unusedEnded = new Promise((resolve) => unused.once("close", resolve));
    await new Promise((resolve) => setTimeout(resolve, 200));
    server.child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Out of rotation at once, while it still listens (DRAIN_DELAY_MS, 2 s by default) so a
    // balancer's next check sees it; a second signal (a process group's) changes nothing.
    const readiness = await fetch(`${base}/readyz`);
    expect(readiness.status).toBe(503);
    expect(readiness.headers.get("connection")).toBe("close");
    server.child.kill("SIGTERM");
    for (const { request } of requests) request.end(body.slice(10));

    const answers = await Promise.all(requests.map(({ answer }) => answer));
    expect(answers).toEqual(Array(5).fill({ status: 201, connection: "close" }));
    // The stream ends with a hint to reconnect soon (to another copy, through the balancer).
    expect(await streamText).toMatch(/retry: 500\n\n$/);
    expect(await server.exited).toBe(0);
    expect(server.output()).not.toMatch(/timeout|second/);
    await unusedEnded;
    agent.destroy();
  });
});
