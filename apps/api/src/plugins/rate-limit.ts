import fp from "fastify-plugin";
import rateLimit, { type RateLimitPluginOptions } from "@fastify/rate-limit";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Redis } from "ioredis";
import { HttpProblem, sendProblem } from "../problem.ts";
import { verifiedUser } from "./auth.ts";

const WINDOW_MS = 60_000;
/** Where every limit keeps its counts in Redis; `/api` and `/mcp` count under their own keys. */
const NAMESPACE = "taskbridge-api-rl:";
/** Local counters kept before expired ones are swept (a flood from many addresses). */
const LOCAL_SWEEP_AT = 10_000;

declare module "fastify" {
  interface FastifyInstance {
    /** The store every rate limit of this copy shares: Redis when configured, else memory. */
    rateLimits: RateLimits;
  }
}

/**
 * One fixed-window count a key: INCR, and the window's expiry set by the first hit. The answer is
 * the count and the window's remaining milliseconds.
 */
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
`;

/** The same count without adding to it (0 and no window when there is none). */
const PEEK_SCRIPT = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
local ttl = redis.call('PTTL', KEYS[1])
return {count, ttl}
`;

/** Failed app password sign-ins an address, or a user name, may make in a minute. */
export const APP_PASSWORD_FAILURES_PER_MINUTE = 10;

/**
 * The rate limits' shared state: one Redis connection (so every copy counts against the same
 * numbers) or, without `REDIS_URL`, this process's memory.
 */
export class RateLimits {
  private readonly local = new Map<string, { count: number; resetAt: number }>();

  constructor(
    readonly redis: Redis | undefined,
    /** Requests an address may send in a minute that are refused for their token. */
    private readonly refusedPerMinute: number,
  ) {}

  /** Options for `@fastify/rate-limit`: the per-user limit, on this store. */
  perUser(max: number, keyOf: (request: FastifyRequest) => string): RateLimitPluginOptions {
    return {
      global: true,
      // After the token check (an onRequest hook), so the limit is per user.
      hook: "preHandler",
      max,
      timeWindow: WINDOW_MS,
      keyGenerator: keyOf,
      ...(this.redis ? { redis: this.redis, nameSpace: NAMESPACE, skipOnError: true } : {}),
      errorResponseBuilder: (_request, context) =>
        new HttpProblem(429, `Too many requests; try again in ${Math.ceil(context.ttl / 1000)} s`, {
          headers: { "Retry-After": String(Math.ceil(context.ttl / 1000)) },
        }),
    };
  }

  /**
   * Counts one request refused for its token from `address`; the seconds until the address may
   * try again when it is over its limit, else undefined. One Redis round trip (or a map lookup);
   * Redis unreachable counts nothing, as the per-user limit skips on error.
   */
  refused(address: string): Promise<number | undefined> {
    return this.count(`refused:${address}`, this.refusedPerMinute, true);
  }

  /**
   * Before an app password is checked: the seconds to wait when its address or user name has
   * failed too often this minute (so a locked-out guesser learns nothing more), else undefined.
   */
  async appPasswordBlocked(keys: string[]): Promise<number | undefined> {
    const waits = await Promise.all(
      keys.map((key) => this.count(`app-password:${key}`, APP_PASSWORD_FAILURES_PER_MINUTE, false)),
    );
    return waits.find((wait) => wait !== undefined);
  }

  /** Counts one failed app password sign-in against each of `keys` (its address, user name). */
  async appPasswordFailed(keys: string[]): Promise<void> {
    await Promise.all(
      keys.map((key) => this.count(`app-password:${key}`, APP_PASSWORD_FAILURES_PER_MINUTE, true)),
    );
  }

  /**
   * A fixed-window count under `key`, with one more when `add`: the seconds until the window
   * ends when the count is over `limit` (at `limit` already, when only looking), else undefined.
   */
  private async count(key: string, limit: number, add: boolean): Promise<number | undefined> {
    const name = `${NAMESPACE}${key}`;
    let count: number;
    let ttlMs: number;
    if (this.redis) {
      try {
        const answer = (await this.redis.eval(
          add ? HIT_SCRIPT : PEEK_SCRIPT,
          1,
          name,
          WINDOW_MS,
        )) as [number, number];
        [count, ttlMs] = answer;
      } catch {
        return undefined;
      }
    } else {
      const now = Date.now();
      let entry = this.local.get(name);
      if (!entry || entry.resetAt <= now) {
        if (!add) return undefined;
        if (this.local.size >= LOCAL_SWEEP_AT) this.sweep(now);
        entry = { count: 0, resetAt: now + WINDOW_MS };
        this.local.set(name, entry);
      }
      if (add) entry.count += 1;
      count = entry.count;
      ttlMs = entry.resetAt - now;
    }
    const over = add ? count > limit : count >= limit;
    return over ? Math.max(1, Math.ceil(ttlMs / 1000)) : undefined;
  }

  private sweep(now: number) {
    for (const [key, entry] of this.local) if (entry.resetAt <= now) this.local.delete(key);
    // Still full: every entry is live, so the oldest go (a Map iterates in insertion order).
    for (const key of this.local.keys()) {
      if (this.local.size < LOCAL_SWEEP_AT) break;
      this.local.delete(key);
    }
  }
}

/**
 * Before a 401 (or a 400 for its Authorization headers): a client address that has been refused
 * too often this minute is answered 429 with Retry-After instead. Returns whether it was.
 */
export async function refusedTooOften(
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<boolean> {
  const retryAfter = await request.server.rateLimits.refused(request.ip);
  if (retryAfter === undefined) return false;
  request.log.info({ reason: "too many refused requests" }, "request refused: 429");
  reply.header("Retry-After", String(retryAfter));
  await sendProblem(
    reply,
    429,
    `Too many requests without a valid token; try again in ${retryAfter} s`,
  );
  return true;
}

/** Opens the shared store once a copy, for the `/api` and `/mcp` limits alike. */
export const rateLimitStorePlugin = fp(
  async (app: FastifyInstance) => {
    const redis = app.config.redisUrl
      ? new Redis(app.config.redisUrl, {
          connectTimeout: 1000,
          maxRetriesPerRequest: 1,
          enableOfflineQueue: false,
        })
      : undefined;
    if (redis) app.addHook("onClose", async () => void redis.disconnect());
    app.decorate("rateLimits", new RateLimits(redis, app.config.rateLimitUnauthenticatedPerMinute));
  },
  { name: "rate-limit-store" },
);

/**
 * A per-user rate limit, shared across API copies when Redis is configured. Registered by the
 * `/api` plugin after its token check, so it counts every route of that plugin (however its path
 * is spelled) and counts by user, not by a shared address.
 */
export const rateLimitPlugin = fp(
  async (app) => {
    await app.register(
      rateLimit,
      app.rateLimits.perUser(app.config.rateLimitPerMinute, (request) => {
        const user = verifiedUser(request);
        return user ? `user:${user.id}` : `ip:${request.ip}`;
      }),
    );
  },
  { name: "rate-limit", dependencies: ["auth", "rate-limit-store"] },
);
