// @vitest-environment node
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { stdoutAuthEvents } from "../src/auth-events.ts";
import { isTrustedProxy } from "../src/client-address.ts";
import { endpointLabeler } from "../src/endpoint-label.ts";
import { AuthClient, startAuthServer, type AuthServer } from "./support/auth-server.ts";

const database = await useTestDatabase();
let server: AuthServer;

beforeAll(async () => {
  // The web app's own sink: one JSON line each on stdout.
  server = await startAuthServer(database.url, {}, { events: stdoutAuthEvents });
});
afterAll(() => server.close());

/** Runs `work` and returns everything the process wrote to stdout and stderr meanwhile. */
async function capture(work: () => Promise<void>): Promise<string> {
  const chunks: string[] = [];
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const keep = (chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString());
    return true;
  };
  process.stdout.write = keep;
  process.stderr.write = keep;
  try {
    await work();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  return chunks.join("");
}

interface Line {
  level: number;
  time: number;
  msg: string;
  event: string;
  userId: string | null;
  ip: string | null;
  requestId: string;
  reason?: string;
}

function eventLines(output: string): Line[] {
  return output
    .split("\n")
    .filter((line) => line.includes('"auth event"'))
    .map((line) => JSON.parse(line) as Line);
}

describe("the auth-event log", () => {
  it("writes one line per event for sign-up, a failed sign-in, sign-in, sign-out and deletion, and no secret", async () => {
    const email = `events-${Date.now()}@example.test`;
    const password = "a quite unguessable passphrase 42";
    const client = new AuthClient(server.origin, "203.0.113.77");
    const cookies: string[] = [];
    const tokens: string[] = [];
    const output = await capture(async () => {
      const signedUp = await client.request("/sign-up/email", {
        body: { name: "Eve", email, password },
      });
      expect(signedUp.status).toBe(200);
      const wrong = await client.request("/sign-in/email", {
        body: { email, password: "not the password at all 7" },
      });
      expect(wrong.status).toBe(401);
      const signedIn = await client.request("/sign-in/email", { body: { email, password } });
      expect(signedIn.status).toBe(200);
      cookies.push(client.cookieHeader);
      tokens.push(await client.token());
      const signedOut = await client.request("/sign-out", { body: {} });
      expect(signedOut.status).toBe(200);
      const again = await client.request("/sign-in/email", { body: { email, password } });
      expect(again.status).toBe(200);
      cookies.push(client.cookieHeader);
      const deleted = await client.request("/delete-user", { body: { password } });
      expect(deleted.status, await deleted.clone().text()).toBe(200);
    });

    const lines = eventLines(output);
    expect(lines.map((line) => line.event)).toEqual([
      "sign-up",
      "sign-in-failed",
      "sign-in",
      "sign-out",
      "sign-in",
      "account-deleted",
    ]);
    const userId = lines[0]?.userId;
    expect(userId).toEqual(expect.any(String));
    for (const line of lines) {
      expect(line).toMatchObject({ level: 30, msg: "auth event", userId, ip: "203.0.113.77" });
      expect(line.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(Math.abs(line.time - Date.now())).toBeLessThan(60_000);
    }
    expect(lines[1]?.reason).toBe("invalid credentials");
    // A request id per request: no two events here came from the same one.
    expect(new Set(lines.map((line) => line.requestId)).size).toBe(lines.length);

    const sessionTokens = cookies.flatMap((cookie) =>
      cookie
        .split("; ")
        .map((pair) => decodeURIComponent(pair.slice(pair.indexOf("=") + 1)))
        .flatMap((value) => [value, value.split(".")[0] ?? value])
        .filter((value) => value.length >= 16),
    );
    expect(sessionTokens.length).toBeGreaterThan(0);
    for (const secret of [
      password,
      "not the password at all 7",
      email,
      ...tokens,
      ...cookies,
      ...sessionTokens,
    ]) {
      expect(output).not.toContain(secret);
    }
  });

  it("logs password changes, revoked sessions and a sign-in refused for too many failures", async () => {
    const email = `events-more-${Date.now()}@example.test`;
    const password = "another unguessable passphrase 43";
    const newPassword = "a different passphrase entirely 44";
    const client = new AuthClient(server.origin, "203.0.113.78");
    const other = new AuthClient(server.origin, "203.0.113.79");
    const output = await capture(async () => {
      expect((await client.signUp({ name: "Eve", email, password })).status).toBe(200);
      expect((await other.request("/sign-in/email", { body: { email, password } })).status).toBe(
        200,
      );
      const revoked = await client.request("/revoke-other-sessions", { body: {} });
      expect(revoked.status).toBe(200);
      const changed = await client.request("/change-password", {
        body: { currentPassword: password, newPassword },
      });
      expect(changed.status, await changed.clone().text()).toBe(200);
      // A sign-up with a registered email creates nothing, and logs nothing.
      const again = await other.request("/sign-up/email", {
        body: { name: "Mallory", email, password: "yet another passphrase here 45" },
      });
      expect(again.status).toBe(200);
      // The per-account-and-address limit, then one more.
      const guesser = new AuthClient(server.origin, "203.0.113.80");
      for (let attempt = 0; attempt <= 10; attempt++) {
        await guesser.request("/sign-in/email", {
          body: { email, password: `wrong guess ${attempt}` },
        });
      }
    });
    const lines = eventLines(output);
    const userId = lines[0]?.userId;
    expect(lines.slice(0, 6).map((line) => [line.event, line.ip])).toEqual([
      ["sign-up", "203.0.113.78"],
      ["sign-in", "203.0.113.78"],
      ["sign-in", "203.0.113.79"],
      ["session-revoked", "203.0.113.78"],
      // A new password ends every session, the caller's too (the caller gets a new one).
      ["session-revoked", "203.0.113.78"],
      ["password-changed", "203.0.113.78"],
    ]);
    const failures = lines.slice(6);
    expect(failures).toHaveLength(11);
    expect(
      failures.every((line) => line.event === "sign-in-failed" && line.userId === userId),
    ).toBe(true);
    expect(failures.slice(0, 10).every((line) => line.reason === "invalid credentials")).toBe(true);
    expect(failures[10]?.reason).toBe("too many attempts");
    for (const secret of [password, newPassword, email]) expect(output).not.toContain(secret);
  });

  it("keeps a request id only from a trusted proxy", async () => {
    const direct = await startAuthServer(
      database.url,
      { trustedProxies: [] },
      { events: stdoutAuthEvents },
    );
    try {
      for (const [origin, expected] of [
        [server.origin, "proxy-given-id-1"],
        [direct.origin, undefined],
      ] as const) {
        const output = await capture(async () => {
          await fetch(`${origin}/api/auth/sign-in/email`, {
            method: "POST",
            headers: {
              origin,
              "content-type": "application/json",
              "x-forwarded-for": "203.0.113.90",
              "x-request-id": "proxy-given-id-1",
            },
            body: JSON.stringify({
              email: "nobody@example.test",
              password: "whatever it is 12345",
            }),
          });
        });
        const [line] = eventLines(output);
        expect(line?.event).toBe("sign-in-failed");
        expect(line?.userId).toBeNull();
        if (expected) expect(line?.requestId).toBe(expected);
        else expect(line?.requestId).not.toBe("proxy-given-id-1");
      }
    } finally {
      await direct.close();
    }
  });
});

describe("helpers", () => {
  it("matches trusted proxies by address and range, IPv4-mapped included", () => {
    expect(isTrustedProxy("127.0.0.1", ["127.0.0.1"])).toBe(true);
    expect(isTrustedProxy("::ffff:10.1.2.3", ["10.0.0.0/8"])).toBe(true);
    expect(isTrustedProxy("::1", ["::1"])).toBe(true);
    expect(isTrustedProxy("192.0.2.1", ["10.0.0.0/8", "127.0.0.1"])).toBe(false);
    expect(isTrustedProxy("127.0.0.1", [])).toBe(false);
  });

  it("labels Better Auth paths by endpoint template", () => {
    const label = endpointLabeler(server.auth.api);
    expect(label("/api/auth/sign-in/email")).toBe("/sign-in/email");
    expect(label("/api/auth/reset-password/secret-token-123")).toBe("/reset-password/:token");
    expect(label("/api/auth/no/such/thing")).toBe("unmatched");
    expect(label("/elsewhere")).toBe("unmatched");
  });
});
