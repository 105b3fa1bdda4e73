// Live updates at scale: one API process holding USERS × STREAMS_PER_USER open `/api/events`
// streams (the most a user may open), its memory per stream, and how long one change takes to
// reach every stream of its owner while all the others idle. The streams are opened from this
// process; the API runs as its own.
import http from "node:http";
import { readFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { sql } from "drizzle-orm";
import { createDb, createPool } from "@taskbridge/db/client";
import { serve } from "./api.ts";
import { pathToFileURL } from "node:url";
import { TEST_AUDIENCE, TestIssuer } from "../apps/api/test/support/issuer.ts";
import { benchDatabase, printTable, type BenchDatabase } from "./support.ts";

const USERS = Number(process.env.BENCH_STREAM_USERS ?? 500);
const STREAMS_PER_USER = 20;
const CHANGES = Number(process.env.BENCH_CHANGES ?? 100);
const OPEN_CONCURRENCY = 200;
/** Bounds of the whole run, so a stuck server cannot hang the bench. */
const OPEN_DEADLINE_MS = 180_000;
const CHANGE_TIMEOUT_MS = 5_000;
const AUDIENCE = TEST_AUDIENCE;

interface Stream {
  request: http.ClientRequest;
  /** Called with the arrival time of each `event: task`. */
  onTask?: (at: number) => void;
}

async function rssOf(pid: number | undefined): Promise<number> {
  if (!pid) return 0;
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  return kib ? Number(kib) * 1024 : 0;
}

/** Opens one stream and resolves once its `event: ready` arrived. */
function openStream(base: string, token: string, agent: http.Agent): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const stream: Stream = {
      request: http.get(`${base}/api/events`, {
        agent,
        headers: { authorization: `Bearer ${token}` },
      }),
    };
    let ready = false;
    stream.request.on("response", (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new Error(`events answered ${response.statusCode}`));
        return;
      }
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        if (!ready && chunk.includes("event: ready")) {
          ready = true;
          resolve(stream);
        }
        if (chunk.includes("event: task")) stream.onTask?.(performance.now());
      });
    });
    stream.request.on("error", (error) => {
      if (!ready) reject(error);
    });
  });
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

export async function benchEvents(database: BenchDatabase): Promise<void> {
  const issuer = await TestIssuer.start();
  const pool = createPool(database.url, { max: 2 });
  const db = createDb(pool);
  const users = Array.from({ length: USERS }, (_, i) => `bench-live-${i}`);
  await db.execute(sql`
    insert into "user" (id, name, email)
    select 'bench-live-' || g, 'live ' || g, 'bench-live-' || g || '@bench.test'
    from generate_series(0, ${USERS - 1}) g
    on conflict do nothing`);
  await db.execute(sql`
    insert into task (user_id, title)
    select 'bench-live-' || g, 'live task' from generate_series(0, ${USERS - 1}) g`);
  const taskOf = new Map<string, string>();
  const rows = await db.execute<{ id: string; user_id: string }>(
    sql`select distinct on (user_id) id, user_id from task where user_id like 'bench-live-%'`,
  );
  for (const row of rows.rows) taskOf.set(row.user_id, row.id);
  const tokens = await Promise.all(users.map((id) => issuer.sign(id)));

  const server = await serve(
    "apps/api/src/server.ts",
    {
      NODE_ENV: "production",
      DATABASE_URL: database.url,
      BETTER_AUTH_URL: issuer.origin,
      JWT_AUDIENCE: AUDIENCE,
      NEXT_PUBLIC_API_URL: AUDIENCE,
      RATE_LIMIT_PER_MINUTE: "100000000",
      LOG_LEVEL: "warn",
    },
    "/readyz",
  );
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const streams: Stream[] = [];
  try {
    // Settle the server (keys loaded, code warmed) before its baseline memory is read.
    const warm = await openStream(server.base, tokens[0] ?? "", agent);
    warm.request.destroy();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const rssBefore = await rssOf(server.pid);

    const started = performance.now();
    const wanted: Array<{ user: number; token: string }> = [];
    for (let round = 0; round < STREAMS_PER_USER; round++)
      users.forEach((_, user) => wanted.push({ user, token: tokens[user] ?? "" }));
    const byUser: Stream[][] = users.map(() => []);
    let next = 0;
    await Promise.all(
      Array.from({ length: OPEN_CONCURRENCY }, async () => {
        while (next < wanted.length && performance.now() - started < OPEN_DEADLINE_MS) {
          const item = wanted[next++];
          if (!item) break;
          const stream = await openStream(server.base, item.token, agent);
          streams.push(stream);
          byUser[item.user]?.push(stream);
        }
      }),
    );
    const openSeconds = (performance.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const rssAfter = await rssOf(server.pid);

    // One change at a time to a random user's task; the time until all of its streams heard.
    const allReached: number[] = [];
    const each: number[] = [];
    let missed = 0;
    for (let i = 0; i < CHANGES; i++) {
      const user = Math.floor(Math.random() * USERS);
      const own = byUser[user] ?? [];
      const taskId = taskOf.get(users[user] ?? "");
      if (!taskId || own.length === 0) continue;
      const t0 = performance.now();
      const arrivals = await new Promise<number[]>((resolve) => {
        const times: number[] = [];
        const timer = setTimeout(() => resolve(times), CHANGE_TIMEOUT_MS);
        for (const stream of own) {
          stream.onTask = (at) => {
            stream.onTask = undefined;
            times.push(at - t0);
            if (times.length === own.length) {
              clearTimeout(timer);
              resolve(times);
            }
          };
        }
        // A no-op update: the trigger announces it like any change.
        db.execute(sql`update task set title = title where id = ${taskId}::uuid`).catch(() => {
          clearTimeout(timer);
          resolve([]);
        });
      });
      for (const stream of own) stream.onTask = undefined;
      if (arrivals.length < own.length) missed++;
      each.push(...arrivals);
      allReached.push(Math.max(...arrivals));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
    printTable(`Live updates: ${streams.length} open /api/events streams in one API process`, [
      {
        streams: streams.length,
        "opened in s": openSeconds.toFixed(1),
        "RSS before MiB": mib(rssBefore),
        "RSS after MiB": mib(rssAfter),
        "KiB per stream": ((rssAfter - rssBefore) / 1024 / Math.max(1, streams.length)).toFixed(1),
        "target RSS": "< 1024 MiB",
      },
    ]);
    printTable(
      `One change reaching its owner's ${STREAMS_PER_USER} streams (${CHANGES} changes, ms from the UPDATE)`,
      [
        {
          "all reached p50": percentile(allReached, 50).toFixed(1),
          "all reached p99": percentile(allReached, 99).toFixed(1),
          "each stream p50": percentile(each, 50).toFixed(1),
          "each stream p99": percentile(each, 99).toFixed(1),
          "changes not reaching all": missed,
          target: "p99 < 50",
        },
      ],
    );
  } finally {
    for (const stream of streams) stream.request.destroy();
    agent.destroy();
    await server.stop();
    await db.execute(sql`delete from "user" where id like 'bench-live-%'`);
    await pool.end();
    await issuer.close();
  }
}

// `npx tsx bench/events.ts` runs this part alone (against DATABASE_URL or a throwaway PostgreSQL).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const database = await benchDatabase();
  benchEvents(database)
    .finally(() => database.stop())
    .then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
}
