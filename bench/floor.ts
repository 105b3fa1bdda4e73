// The API beside the hand-written floor (bench/floor-server.ts) for the list, create and complete,
// measured as the issue's perf tool measures the list: HS256 tokens, wrk with two threads and 64
// connections, each server warmed up, the two interleaved twice and the better run of each kept.
// Targets: the API at least 0.8 of the floor, its p99 at most twice the floor's.
// `npx tsx bench/floor.ts` runs it alone.
import { pathToFileURL } from "node:url";
import { sql } from "drizzle-orm";
import { SignJWT } from "jose";
import { createDb, createPool } from "@taskbridge/db/client";
import { serve } from "./api.ts";
import {
  benchDatabase,
  hasWrk,
  loadWrk,
  printTable,
  type BenchDatabase,
  type LoadResult,
  type WrkLoad,
} from "./support.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = 64;
/** The perf tool's settings: a secret that passes the API's checks, the default issuer and audience. */
const SECRET = "perf-secret-0123456789-abcdefghijklmnopqrstuvwxyz";
const ISSUER = "http://localhost:3000";
const AUDIENCE = "http://localhost:8000";
const LIST_USER = "floor-list-user";
const WRITE_USER = "floor-write-user";

export async function hs256Token(userId: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ email: `${userId}@bench.test`, name: userId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + 890)
    .sign(new TextEncoder().encode(SECRET));
}

/** The API as the perf tool starts it: production, HS256, a rate limit no load reaches. */
export function hs256ApiEnv(databaseUrl: string): Record<string, string> {
  return {
    NODE_ENV: "production",
    DATABASE_URL: databaseUrl,
    JWT_MODE: "hs256",
    BETTER_AUTH_SECRET: SECRET,
    BETTER_AUTH_URL: ISSUER,
    NEXT_PUBLIC_API_URL: AUDIENCE,
    RATE_LIMIT_PER_MINUTE: "100000000",
    LOG_LEVEL: "info",
    SECRET,
  };
}

/**
 * Two users: one with the perf tool's 20 tasks (the list), one with 200 tasks that the complete
 * requests toggle at random (one task would measure its row lock) and that creates add to.
 */
export async function seedFloorUsers(databaseUrl: string): Promise<string[]> {
  const pool = createPool(databaseUrl, { max: 2, statementTimeoutMillis: 60_000 });
  const db = createDb(pool);
  try {
    for (const [userId, count] of [
      [LIST_USER, 20],
      [WRITE_USER, 200],
    ] as const) {
      await db.execute(sql`delete from "user" where id = ${userId}`);
      await db.execute(
        sql`insert into "user" (id, name, email) values (${userId}, ${userId}, ${`${userId}@bench.test`})`,
      );
      await db.execute(sql`
        insert into task (user_id, title, description, priority, tags)
        select ${userId}, 'Task ' || g, case when g % 3 = 0 then 'details ' || g end,
               (array['low','medium','high'])[1 + g % 3]::task_priority, array['tag' || (g % 5)]
        from generate_series(1, ${count}) g`);
    }
    await db.execute(sql`analyze task`);
    const { rows } = await pool.query<{ id: string }>("select id from task where user_id = $1", [
      WRITE_USER,
    ]);
    return rows.map((row) => row.id);
  } finally {
    await pool.end();
  }
}

export interface FloorScenario {
  name: string;
  load: (base: string) => Promise<WrkLoad>;
}

export function floorScenarios(ids: string[]): FloorScenario[] {
  const headers = async (userId: string) => ({
    authorization: `Bearer ${await hs256Token(userId)}`,
  });
  const common = { connections: CONNECTIONS, duration: SECONDS };
  return [
    {
      name: "list 20",
      load: async (base) => ({
        ...common,
        base,
        method: "GET",
        path: "/api/tasks",
        headers: await headers(LIST_USER),
      }),
    },
    {
      name: "create",
      load: async (base) => ({
        ...common,
        base,
        method: "POST",
        path: "/api/tasks",
        body: JSON.stringify({ title: "Benchmark task" }),
        headers: { ...(await headers(WRITE_USER)), "content-type": "application/json" },
      }),
    },
    {
      name: "complete",
      load: async (base) => ({
        ...common,
        base,
        method: "PATCH",
        path: "/api/tasks/{id}/complete",
        ids,
        headers: await headers(WRITE_USER),
      }),
    },
  ];
}

const better = (a: LoadResult | undefined, b: LoadResult) =>
  !a || b.requestsPerSecond > a.requestsPerSecond ? b : a;

/**
 * The list's gap a step at a time, measured with the list beside the API and the floor: the same
 * floor reading and writing the contract's 21 fields (it reads 10), that again through a bare
 * Fastify app, and the API reading every page from the database (no page cache). Each step beside
 * the floor tells what the contract's shape costs, what the framework costs, what the API's own
 * work (token claims, revocations, membership, rate limit, headers, logs, metrics) costs, and
 * what sending a page kept from before (lib/page-cache.ts) saves.
 */
const LIST_STEPS: Array<{
  name: string;
  script: string;
  env: Record<string, string>;
  /** What answers below 500 once the server is up. */
  ready: string;
}> = [
  {
    name: "floor, the contract's 21 fields",
    script: "bench/floor-server.ts",
    env: { FLOOR_FIELDS: "contract" },
    ready: "/",
  },
  {
    name: "bare Fastify, the contract's 21 fields",
    script: "bench/floor-server.ts",
    env: { FLOOR_FIELDS: "contract", FLOOR_FRAMEWORK: "fastify" },
    ready: "/",
  },
  {
    name: "API, every page read (API_PAGE_CACHE_MB=0)",
    script: "apps/api/src/server.ts",
    env: { API_PAGE_CACHE_MB: "0" },
    ready: "/readyz",
  },
];

export async function benchFloor(database: BenchDatabase): Promise<void> {
  if (!(await hasWrk())) {
    console.log("\nFloor comparison skipped: install wrk (apt-get install wrk) to include it.");
    return;
  }
  const ids = await seedFloorUsers(database.url);
  const env = hs256ApiEnv(database.url);
  const api = await serve("apps/api/src/server.ts", env, "/readyz");
  const floor = await serve("bench/floor-server.ts", env, "/");
  const steps = await Promise.all(
    LIST_STEPS.map(({ script, env: extra, ready }) => serve(script, { ...env, ...extra }, ready)),
  );
  const rows: Array<Record<string, string | number>> = [];
  let listRuns: Array<LoadResult | undefined> = [];
  try {
    for (const scenario of floorScenarios(ids)) {
      // The API, the floor, and for the list each step between them, interleaved twice.
      const servers = scenario.name === "list 20" ? [api, floor, ...steps] : [api, floor];
      const best: Array<LoadResult | undefined> = servers.map(() => undefined);
      for (let round = 0; round < 2; round++) {
        for (const [i, server] of servers.entries()) {
          const load = await scenario.load(server.base);
          await loadWrk("warm-up", { ...load, duration: 3 });
          best[i] = better(best[i], await loadWrk(scenario.name, load));
        }
      }
      if (scenario.name === "list 20") listRuns = best;
      const [ours, bare] = best;
      if (!ours || !bare) continue;
      rows.push({
        scenario: scenario.name,
        "API req/s": ours.requestsPerSecond,
        "floor req/s": bare.requestsPerSecond,
        "API / floor": (ours.requestsPerSecond / Math.max(1, bare.requestsPerSecond)).toFixed(2),
        "API p99": ours.p99,
        "floor p99": bare.p99,
        "p99 API / floor": (ours.p99 / Math.max(0.001, bare.p99)).toFixed(1),
        "errors + non-2xx": ours.errors + ours.non2xx + bare.errors + bare.non2xx,
      });
    }
  } finally {
    await Promise.all([api, floor, ...steps].map((server) => server.stop()));
  }
  printTable(
    `API beside the hand-written floor (bench/floor-server.ts), HS256, wrk -t2 -c${CONNECTIONS}, ` +
      `${SECONDS} s, better of two interleaved runs (latency in ms; targets: API / floor at least ` +
      "0.8, p99 at most 2 × the floor's)",
    rows,
  );
  const [ours, bare, ...between] = listRuns;
  const floorRate = Math.max(1, bare?.requestsPerSecond ?? 0);
  const named: Array<[string, LoadResult | undefined]> = [
    ["floor (perf tool's shape: 10 fields)", bare],
    ...LIST_STEPS.map(({ name }, i): [string, LoadResult | undefined] => [name, between[i]]),
    ["API (default: a page unchanged since it was sent is sent again)", ours],
  ];
  printTable(
    "The list's gap a step at a time (bench/floor-server.ts settings), from the same runs",
    named.map(([step, run]) => ({
      step,
      "req/s": run?.requestsPerSecond ?? "-",
      "of the floor": ((run?.requestsPerSecond ?? 0) / floorRate).toFixed(2),
      "p99 ms": run?.p99 ?? "-",
    })),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const database = await benchDatabase();
  try {
    await benchFloor(database);
  } finally {
    await database.stop();
  }
}
