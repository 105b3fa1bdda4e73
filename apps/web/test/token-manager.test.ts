import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { SignedOutError, TokenManager } from "../src/lib/token-manager.ts";

const key = new TextEncoder().encode("unit-test-key-that-is-long-enough-000");
async function token(iat: number, lifetime: number): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt(iat)
    .setExpirationTime(iat + lifetime)
    .sign(key);
}

describe("TokenManager", () => {
  it("reuses a token until shortly before it expires, then renews", async () => {
    let now = 1_800_000_000_000;
    let fetches = 0;
    const manager = new TokenManager(
      async () => {
        fetches += 1;
        return token(Math.floor(now / 1000), 900);
      },
      () => now,
    );
    const first = await manager.getToken();
    now += 800_000; // 13 min 20 s later: still more than a minute left
    expect(await manager.getToken()).toBe(first);
    expect(fetches).toBe(1);
    now += 50_000; // 50 s before expiry: renew
    expect(await manager.getToken()).not.toBe(first);
    expect(fetches).toBe(2);
  });

  it("renews a quarter of the lifetime early for short tokens", async () => {
    let now = 1_800_000_000_000;
    let fetches = 0;
    const manager = new TokenManager(
      async () => {
        fetches += 1;
        return token(Math.floor(now / 1000), 20);
      },
      () => now,
    );
    await manager.getToken();
    now += 14_000;
    await manager.getToken();
    expect(fetches).toBe(1);
    now += 2_000; // 16 s of 20: within the last quarter
    await manager.getToken();
    expect(fetches).toBe(2);
  });

  it("shares one renewal among concurrent callers", async () => {
    let fetches = 0;
    const manager = new TokenManager(async () => {
      fetches += 1;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return token(Math.floor(Date.now() / 1000), 900);
    });
    const tokens = await Promise.all([manager.getToken(), manager.getToken(), manager.getToken()]);
    expect(new Set(tokens).size).toBe(1);
    expect(fetches).toBe(1);
  });

  it("reports a signed-out user, and keeps nothing after clear()", async () => {
    const manager = new TokenManager(async () => null);
    await expect(manager.getToken()).rejects.toBeInstanceOf(SignedOutError);
    const working = new TokenManager(async () => token(Math.floor(Date.now() / 1000), 900));
    await working.getToken();
    working.clear();
    expect(working.heldUntil).toBe(0);
  });
});
