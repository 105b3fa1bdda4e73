// Task API throughput and latency at 64 connections, beside a bare handler doing the same SQL and
// the same token check with no validation, logging or hooks: the floor the real API should near.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import { createDb, createPool, type Database } from "@taskbridge/db/client";
import { task, user } from "@taskbridge/db/schema";
import { buildApp, loggerSettings } from "../apps/api/src/app.ts";
import { TokenVerifier } from "../apps/api/src/auth/verifier.ts";
import type { ApiConfig } from "../apps/api/src/env.ts";
import { BenchIssuer, load, printTable, type BenchDatabase, type LoadResult } from "./support.ts";

const CONNECTIONS = 64;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const AUDIENCE = "http://127.0.0.1:8000";

async function seed(db: Database, userId: string, count: number): Promise<void> {
  await db
    .insert(user)
    .values({ id: userId, name: userId, email: `${userId}@bench.test` })
    .onConflictDoNothing();
  await db.execute(sql`
    insert into task (user_id, title, description, priority, tags, due_date, created_at, updated_at)
    select ${userId}, 'Task ' || g, case when g % 3 = 0 then 'details ' || g end,
           (array['low','medium','high'])[1 + g % 3]::task_priority, array['tag' || (g % 5)],
           case when g % 4 = 0 then now() + (g || ' hours')::interval end,
           now() - (g || ' seconds')::interval, now() - (g || ' seconds')::interval
    from generate_series(1, ${count}) g`);
  await db.execute(sql`analyze task`);
}

/** The floor: node:http, the same verifier, the same SQL, JSON.stringify. */
function bareServer(pool: ReturnType<typeof createPool>, verifier: TokenVerifier): http.Server {
  return http.createServer((request, response) => {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
    if (!token) return void response.writeHead(401).end();
    void verifier.verify(token).then(
      async (caller) => {
        const url = request.url ?? "";
        const id = /^\/api\/tasks\/([0-9a-f-]{36})/.exec(url)?.[1];
        let rows: unknown;
        if (request.method === "GET" && !id) {
          rows = (
            await pool.query(
              "select * from task where user_id = $1 order by created_at desc, id desc limit 21",
              [caller.id],
            )
          ).rows.slice(0, 20);
        } else if (request.method === "GET") {
          rows = (
            await pool.query("select * from task where id = $1 and user_id = $2", [id, caller.id])
          ).rows[0];
        } else if (request.method === "POST" && id) {
          rows = (
            await pool.query(
              "update task set completed = not completed, updated_at = clock_timestamp() where id = $1 and user_id = $2 returning *",
              [id, caller.id],
            )
          ).rows[0];
        } else {
          let body = "";
          for await (const chunk of request) body += String(chunk);
          const input: unknown = JSON.parse(body);
          const title =
            typeof input === "object" && input !== null && "title" in input
              ? String(input.title)
              : "";
          rows = (
            await pool.query("insert into task (user_id, title) values ($1, $2) returning *", [
              caller.id,
              title,
            ])
          ).rows[0];
          response.writeHead(201, { "content-type": "application/json" });
          return void response.end(JSON.stringify(rows));
        }
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(rows));
      },
      () => void response.writeHead(401).end(),
    );
  });
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function scenarios(
  base: string,
  headers: Record<string, string>,
  taskId: string,
  label: string,
): Promise<LoadResult[]> {
  const json = { ...headers, "content-type": "application/json" };
  return [
    await load(`${label} list 20`, {
      url: `${base}/api/tasks?limit=20`,
      connections: CONNECTIONS,
      duration: SECONDS,
      headers,
    }),
    await load(`${label} get`, {
      url: `${base}/api/tasks/${taskId}`,
      connections: CONNECTIONS,
      duration: SECONDS,
      headers,
    }),
    await load(`${label} create`, {
      url: `${base}/api/tasks`,
      method: "POST",
      body: JSON.stringify({ title: "Benchmark task" }),
      connections: CONNECTIONS,
      duration: SECONDS,
      headers: json,
    }),
    await load(`${label} toggle`, {
      url: `${base}/api/tasks/${taskId}/toggle`,
      method: "POST",
      connections: CONNECTIONS,
      duration: SECONDS,
      headers,
    }),
  ];
}

export async function benchApi(database: BenchDatabase): Promise<void> {
  const issuer = await BenchIssuer.start();
  const config: ApiConfig = {
    env: "production",
    databaseUrl: database.url,
    port: 0,
    host: "127.0.0.1",
    logLevel: "info",
    issuer: issuer.origin,
    audience: AUDIENCE,
    jwtMode: "jwks",
    jwksUrl: issuer.jwksUrl,
    secret: undefined,
    corsOrigins: ["http://127.0.0.1:3000"],
    redisUrl: undefined,
    rateLimitPerMinute: 10_000_000,
    dbPoolMax: 20,
  };
  const pool = createPool(database.url, { max: config.dbPoolMax });
  const db = createDb(pool);
  await seed(db, "bench-user", 1000);
  const [first] = await db
    .select({ id: task.id })
    .from(task)
    .where(sql`user_id = 'bench-user'`)
    .limit(1);
  if (!first) throw new Error("no seeded task");
  const token = await issuer.sign("bench-user", AUDIENCE);
  const headers = { authorization: `Bearer ${token}` };

  const verifier = new TokenVerifier({ config });
  await verifier.loadKeys();
  // Production logging (one line a request, info level) into /dev/null: its cost is counted.
  const app = await buildApp({
    config,
    pool,
    db,
    verifier,
    logger: { ...loggerSettings("info"), file: "/dev/null" },
  });
  const apiBase = await app.listen({ port: 0, host: "127.0.0.1" });
  const api = await scenarios(apiBase, headers, first.id, "API");
  await app.close();

  const bare = bareServer(pool, verifier);
  const bareBase = await listen(bare);
  const floor = await scenarios(bareBase, headers, first.id, "bare");
  await new Promise((resolve) => bare.close(resolve));

  printTable(
    `Task API at ${CONNECTIONS} connections, ${SECONDS} s each (latency in ms)`,
    api.map((row, i) => {
      const base = floor[i];
      return {
        scenario: row.name.replace("API ", ""),
        "API req/s": row.requestsPerSecond,
        "API p50": row.p50,
        "API p99": row.p99,
        "bare req/s": base?.requestsPerSecond ?? 0,
        "bare p99": base?.p99 ?? 0,
        "API / bare": base ? (row.requestsPerSecond / base.requestsPerSecond).toFixed(2) : "-",
        errors: row.errors + row.non2xx,
      };
    }),
  );

  // List latency as one user's task count grows: keyset paging keeps it flat.
  const growth: Array<Record<string, string | number>> = [];
  for (const count of [100, 100_000]) {
    const owner = `bench-size-${count}`;
    await seed(db, owner, count);
    const ownerHeaders = { authorization: `Bearer ${await issuer.sign(owner, AUDIENCE)}` };
    const app2 = await buildApp({ config, pool, db, verifier, logger: false });
    const base = await app2.listen({ port: 0, host: "127.0.0.1" });
    const firstPage = await load("first page", {
      url: `${base}/api/tasks?limit=20`,
      connections: 8,
      duration: 3,
      headers: ownerHeaders,
    });
    // A page deep in the list: follow the cursor of a page ~90% of the way down.
    const deep = await fetch(`${base}/api/tasks?limit=${Math.min(500, Math.floor(count * 0.9))}`, {
      headers: ownerHeaders,
    });
    const next = /<([^>]+)>; rel="next"/.exec(deep.headers.get("link") ?? "")?.[1];
    const deepPage = next
      ? await load("deep page", {
          url: next.replace(/limit=\d+/, "limit=20"),
          connections: 8,
          duration: 3,
          headers: ownerHeaders,
        })
      : undefined;
    growth.push({
      tasks: count,
      "first page p50 ms": firstPage.p50,
      "first page p99 ms": firstPage.p99,
      "later page p50 ms": deepPage?.p50 ?? "-",
      "later page p99 ms": deepPage?.p99 ?? "-",
    });
    await app2.close();
  }
  printTable("List of 20 as one user's task count grows (8 connections)", growth);

  await pool.end();
  await issuer.close();
}
