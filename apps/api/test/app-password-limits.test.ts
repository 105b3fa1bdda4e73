// Guessing app passwords: after 10 failures in a minute from one address, or for one user name,
// the next attempt is answered 429 with Retry-After without the password being checked.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { basic, person } from "./support/dav.ts";
import { listen } from "./support/http.ts";

const database = await useTestDatabase();
let t: TestApp;
let origin: string;

// A fresh copy per test: the counts are this copy's (no Redis in these tests).
beforeEach(async () => {
  t = await buildTestApp({ databaseUrl: database.url, mode: "hs256" });
  origin = await listen(t.app);
});
afterEach(() => t.close());

const propfind = (authorization: string) =>
  fetch(`${origin}/dav/`, { method: "PROPFIND", headers: { authorization, depth: "0" } });

describe("failed app passwords", () => {
  it("on CalDAV: the 11th attempt in a minute is 429 with Retry-After, even with the right password", async () => {
    const ada = await person(t, origin);
    for (let i = 0; i < 10; i += 1)
      expect((await propfind(basic(ada, `${ada.password}x`))).status).toBe(401);
    const blocked = await propfind(basic(ada));
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await blocked.text()).not.toContain(ada.password);
  });

  it("on the REST API: the 11th wrong Bearer app password from an address is 429", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i += 1) {
      const answer = await fetch(`${origin}/api/tasks`, {
        headers: { authorization: `Bearer tb_${"A".repeat(32)}${i}` },
      });
      statuses.push(answer.status);
    }
    expect(statuses.slice(0, 10).every((status) => status === 401)).toBe(true);
    expect(statuses[10]).toBe(429);
  });

  it("counts a user name whatever its case, and a sign-in with the right password before the limit passes", async () => {
    const ada = await person(t, origin);
    const wrong = Buffer.from(`${ada.email.toLowerCase()}:nope`).toString("base64");
    for (let i = 0; i < 9; i += 1) expect((await propfind(`Basic ${wrong}`)).status).toBe(401);
    expect((await propfind(basic(ada))).status).toBe(207);
    expect((await propfind(basic(ada, "nope"))).status).toBe(401);
    expect((await propfind(basic(ada))).status).toBe(429);
  });
});
