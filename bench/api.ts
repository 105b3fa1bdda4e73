// Task API throughput and latency at 64 connections, beside a bare handler doing the same SQL and
// the same token check with no validation, logging or hooks: the floor the real API should near.
// Both run as their own processes; the load generator runs in this one.
import { spawn } from "node:child_process";
import path from "node:path";
import { sql } from "drizzle-orm";
import { createDb, createPool, type Database } from "@taskbridge/db/client";
import { task, user } from "@taskbridge/db/schema";
import { freePort } from "../tests/database.ts";
import { signHs256, TEST_AUDIENCE, TestIssuer } from "../apps/api/test/support/issuer.ts";
import { pathToFileURL } from "node:url";
import { benchDatabase, load, printTable, type BenchDatabase, type LoadResult } from "./support.ts";

const CONNECTIONS = 64;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const AUDIENCE = TEST_AUDIENCE;
/** Seeding 100,000 tasks (each insert notifies) outlasts the pool's usual 5 s on a busy machine. */
const SEED_TIMEOUT_MS = 120_000;

async function seed(db: Database, userId: string, count: number): Promise<void> {
  await db
    .insert(user)
    .values({ id: userId, name: userId, email: `${userId}@bench.test` })
    .onConflictDoNothing();
  await db.execute(sql`
    insert into task (user_id, title, description, priority, tags, due_date, created_at, updated_at)
    select ${userId}, 'Task ' || g, case when g % 3 = 0 then 'details ' || g end,
           (array['low','medium','high'])[1 + g % 3]::task_priority, array['tag' || (g % 5)],
           -- Three in four dated, from 30 days back to 30 ahead: every view has rows.
           case when g % 4 <> 0 then current_date + (g % 61 - 30) end,
           now() - (g || ' seconds')::interval, now() - (g || ' seconds')::interval
    from generate_series(1, ${count}) g`);
  await db.execute(sql`analyze task`);
}

/**
 * `count` tasks spread over 61 lists of one user: their Inbox, 50 lists of their own and 10 lists
 * of someone else shared with them, as a person who organises and shares a lot would have.
 */
async function seedSpread(db: Database, userId: string, count: number): Promise<void> {
  const sharer = `${userId}-sharer`;
  await db
    .insert(user)
    .values([
      { id: userId, name: userId, email: `${userId}@bench.test` },
      { id: sharer, name: sharer, email: `${sharer}@bench.test` },
    ])
    .onConflictDoNothing();
  await db.execute(sql`
    insert into list (owner_id, name) select ${userId}, 'List ' || g from generate_series(1, 50) g`);
  await db.execute(sql`
    insert into list (owner_id, name) select ${sharer}, 'Shared ' || g from generate_series(1, 10) g`);
  await db.execute(sql`
    insert into list_member (user_id, list_id, role)
    select ${userId}, id, 'editor' from list where owner_id = ${sharer}`);
  await db.execute(sql`
    insert into task (list_id, title, description, priority, tags, due_date, created_at, updated_at)
    select lists.ids[1 + g % 61], 'Task ' || g, case when g % 3 = 0 then 'details ' || g end,
           (array['low','medium','high'])[1 + g % 3]::task_priority, array['tag' || (g % 5)],
           case when g % 4 <> 0 then current_date + (g % 61 - 30) end,
           now() - (g || ' seconds')::interval, now() - (g || ' seconds')::interval
    from generate_series(1, ${count}) g,
      (select array_agg(list_id order by list_id) as ids from list_member
       where user_id = ${userId}) lists`);
  await db.execute(sql`analyze`);
}

/** The API's settings for a bench: production logging, a rate limit no load reaches. */
function apiEnv(databaseUrl: string, issuerOrigin: string): Record<string, string> {
  return {
    NODE_ENV: "production",
    DATABASE_URL: databaseUrl,
    BETTER_AUTH_URL: issuerOrigin,
    JWT_AUDIENCE: AUDIENCE,
    NEXT_PUBLIC_API_URL: AUDIENCE,
    RATE_LIMIT_PER_MINUTE: "100000000",
    LOG_LEVEL: "info",
    ISSUER: issuerOrigin,
    AUDIENCE,
  };
}

/** Starts a server as its own process (so the load generator does not share its CPU). */
export async function serve(
  script: string,
  env: Record<string, string>,
  readyPath: string,
  command?: { file: string; args: (port: number) => string[]; cwd: string },
): Promise<{ base: string; pid: number | undefined; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(
    command?.file ?? process.execPath,
    command ? command.args(port) : ["--import", "tsx", script],
    {
      cwd: command?.cwd,
      env: {
        ...process.env,
        ...env,
        PORT: String(port),
        API_PORT: String(port),
        API_HOST: "127.0.0.1",
      },
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const ok = await fetch(`${base}${readyPath}`).then(
      (r) => r.status < 500,
      () => false,
    );
    if (ok) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    base,
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill("SIGTERM");
      }),
  };
}

/** The four measured requests, in order: list of 20, get, create, toggle. */
function scenarioSpecs(base: string, headers: Record<string, string>, taskId: string) {
  const json = { ...headers, "content-type": "application/json" };
  const common = { connections: CONNECTIONS, duration: SECONDS };
  return [
    { name: "list 20", ...common, url: `${base}/api/tasks?limit=20`, headers },
    { name: "get", ...common, url: `${base}/api/tasks/${taskId}`, headers },
    {
      name: "create",
      ...common,
      url: `${base}/api/tasks`,
      method: "POST" as const,
      body: JSON.stringify({ title: "Benchmark task" }),
      headers: json,
    },
    {
      name: "toggle",
      ...common,
      url: `${base}/api/tasks/${taskId}/toggle`,
      method: "POST" as const,
      headers,
    },
  ];
}

async function scenarios(
  base: string,
  headers: Record<string, string>,
  taskId: string,
  label: string,
): Promise<LoadResult[]> {
  const results: LoadResult[] = [];
  for (const spec of scenarioSpecs(base, headers, taskId))
    results.push(await load(`${label} ${spec.name}`, spec));
  return results;
}

const PYTHON = "/usr/bin/python3";
const FASTAPI_SECRET = "fastapi-comparison-secret-that-is-long-enough";

async function fastApiInstalled(): Promise<boolean> {
  return new Promise((resolve) => {
    const check = spawn(PYTHON, ["-c", "import fastapi, uvicorn, sqlmodel, psycopg2, jwt"], {
      stdio: "ignore",
    });
    check.on("error", () => resolve(false));
    check.on("exit", (code) => resolve(code === 0));
  });
}

async function benchFastApi(
  databaseUrl: string,
  issuer: string,
  taskId: string,
): Promise<LoadResult[] | undefined> {
  if (!(await fastApiInstalled())) return undefined;
  const url = new URL(databaseUrl);
  url.protocol = "postgresql:";
  const start = () =>
    serve(
      "",
      {
        DATABASE_URL: url.toString(),
        BETTER_AUTH_SECRET: FASTAPI_SECRET,
        ISSUER: issuer,
        AUDIENCE,
      },
      "/health",
      {
        file: PYTHON,
        args: (port) => [
          "-m",
          "uvicorn",
          "main:app",
          "--host",
          "127.0.0.1",
          "--port",
          String(port),
          "--workers",
          "1",
          "--log-level",
          "warning",
          "--no-access-log",
        ],
        cwd: path.join(import.meta.dirname, "fastapi"),
      },
    );
  const token = await signHs256("bench-user", {
    secret: FASTAPI_SECRET,
    issuer,
    header: { typ: "JWT" },
  });
  const headers = { authorization: `Bearer ${token}` };
  // A fresh server per scenario: under this load it falls behind, and requests still queued from
  // one scenario would otherwise be counted against the next.
  const results: LoadResult[] = [];
  for (const spec of scenarioSpecs("", headers, taskId)) {
    const server = await start();
    try {
      await load("warm-up", {
        connections: CONNECTIONS,
        duration: 1,
        headers,
        url: `${server.base}/api/tasks?limit=20`,
      });
      results.push(
        await load(`FastAPI ${spec.name}`, { ...spec, url: `${server.base}${spec.url}` }),
      );
    } finally {
      await server.stop();
    }
  }
  return results;
}

export async function benchApi(database: BenchDatabase): Promise<void> {
  const issuer = await TestIssuer.start();
  const pool = createPool(database.url, { max: 4, statementTimeoutMillis: SEED_TIMEOUT_MS });
  const db = createDb(pool);
  await seed(db, "bench-user", 1000);
  const [first] = await db
    .select({ id: task.id })
    .from(task)
    .where(sql`user_id = 'bench-user'`)
    .limit(1);
  if (!first) throw new Error("no seeded task");
  const token = await issuer.sign("bench-user");
  const headers = { authorization: `Bearer ${token}` };

  const env = apiEnv(database.url, issuer.origin);
  // Each server on its own, warmed up, then measured: the real one as `npm start` runs it (one
  // log line a request, to a pipe), and the bare floor.
  const measure = async (script: string, readyPath: string, label: string) => {
    const server = await serve(script, env, readyPath);
    try {
      const warmUp = {
        url: `${server.base}/api/tasks?limit=20`,
        connections: CONNECTIONS,
        duration: 2,
        headers,
      };
      await load("warm-up", warmUp);
      return await scenarios(server.base, headers, first.id, label);
    } finally {
      await server.stop();
    }
  };
  const api = await measure("apps/api/src/server.ts", "/readyz", "API");
  const floor = await measure("bench/bare-server.ts", "/", "bare");

  // The same API written with FastAPI, SQLModel and PyJWT (one Uvicorn worker), when Debian's
  // packages for it are installed, measured the same way.
  const fastapi = await benchFastApi(database.url, issuer.origin, first.id);

  printTable(
    `Task API at ${CONNECTIONS} connections, ${SECONDS} s each (latency in ms; targets: API / bare ` +
      `at least 0.8 for list and get, 0.7 for create and toggle; API p99 at most 2 × bare p99)`,
    api.map((row, i) => {
      const base = floor[i];
      const py = fastapi?.[i];
      return {
        scenario: row.name.replace("API ", ""),
        "API req/s": row.requestsPerSecond,
        "API p50": row.p50,
        "API p99": row.p99,
        "bare req/s": base?.requestsPerSecond ?? 0,
        "API / bare": base ? (row.requestsPerSecond / base.requestsPerSecond).toFixed(2) : "-",
        "bare p99": base?.p99 ?? 0,
        "p99 API / bare": base && base.p99 > 0 ? (row.p99 / base.p99).toFixed(1) : "-",
        "FastAPI req/s": py?.requestsPerSecond ?? "-",
        "FastAPI p99": py?.p99 ?? "-",
        "API / FastAPI": py
          ? py.requestsPerSecond > 0
            ? (row.requestsPerSecond / py.requestsPerSecond).toFixed(1)
            : "no answers"
          : "-",
        errors: row.errors + row.non2xx,
        // A comparison whose answers are errors compares nothing: shown, not hidden.
        "FastAPI errors": py ? py.errors + py.non2xx : "-",
      };
    }),
  );
  if (!fastapi) {
    console.log(
      "FastAPI comparison skipped: install Debian's python3-fastapi python3-uvicorn python3-sqlmodel python3-psycopg2 python3-jwt to include it.",
    );
  }

  await benchListGrowth(db, issuer, env);

  await pool.end();
  await issuer.close();
}

/**
 * List latency as one user's task count grows (100 vs 100,000), for the plain list and every
 * view; `npx tsx bench/api.ts growth` runs it alone.
 */
export async function benchListGrowth(
  db: Database,
  issuer: TestIssuer,
  env: Record<string, string>,
): Promise<void> {
  // List latency as one user's task count grows, for the plain list and every view: keyset
  // paging off an index keeps each flat.
  const lists = [
    { name: "newest", query: "" },
    { name: "view=today", query: "&view=today" },
    { name: "view=upcoming", query: "&view=upcoming" },
    { name: "view=overdue", query: "&view=overdue" },
  ];
  const COUNTS = [100, 100_000] as const;
  const growth = new Map<string, Record<number, { first: LoadResult; later?: LoadResult }>>();
  const sized = await serve("apps/api/src/server.ts", env, "/readyz");
  // One owner with every task in the Inbox, and one with the tasks spread over 61 lists (50 of
  // their own, 10 shared with them): flat means flat in both.
  for (const [count, spread] of COUNTS.flatMap(
    (n) =>
      [
        [n, false],
        [n, true],
      ] as const,
  )) {
    const owner = `bench-size-${count}${spread ? "-spread" : ""}`;
    if (spread) await seedSpread(db, owner, count);
    else await seed(db, owner, count);
    const ownerHeaders = { authorization: `Bearer ${await issuer.sign(owner)}` };
    const base = sized.base;
    // The seed's inserts each notify the API's event hub; a warm-up lets it drain them, so the
    // first list measured does not pay for them.
    await load("warm-up", {
      url: `${base}/api/tasks?limit=20`,
      connections: 8,
      duration: 3,
      headers: ownerHeaders,
    });
    for (const list of lists) {
      const firstPage = await load("first page", {
        url: `${base}/api/tasks?limit=20${list.query}`,
        connections: 8,
        duration: 3,
        headers: ownerHeaders,
      });
      // A later page: the cursor after the first 30% of the list (at most 500 rows).
      const deep = await fetch(
        `${base}/api/tasks?limit=${Math.min(500, Math.floor(count * 0.3))}${list.query}`,
        { headers: ownerHeaders },
      );
      const next = /<([^>]+)>; rel="next"/.exec(deep.headers.get("link") ?? "")?.[1];
      const deepPage = next
        ? await load("later page", {
            url: new URL(next, base).href.replace(/limit=\d+/, "limit=20"),
            connections: 8,
            duration: 3,
            headers: ownerHeaders,
          })
        : undefined;
      const name = `${list.name}${spread ? " (61 lists)" : ""}`;
      const rows = growth.get(name) ?? {};
      rows[count] = { first: firstPage, later: deepPage };
      growth.set(name, rows);
    }
  }
  await sized.stop();
  const ratio = (a: number | undefined, b: number | undefined) =>
    a !== undefined && b !== undefined && a > 0 ? (b / a).toFixed(2) : "-";
  printTable(
    "List of 20 as one user's task count grows, 100 vs 100,000 tasks, in the Inbox or spread " +
      "over 61 lists (8 connections, ms; flat means a ratio near 1)",
    [...growth.entries()].map(([name, rows]) => {
      const small = rows[COUNTS[0]];
      const large = rows[COUNTS[1]];
      return {
        list: name,
        "first p50 (100)": small?.first.p50 ?? "-",
        "first p50 (100k)": large?.first.p50 ?? "-",
        "first p50 ratio": ratio(small?.first.p50, large?.first.p50),
        "first p99 ratio": ratio(small?.first.p99, large?.first.p99),
        "later p50 (100)": small?.later?.p50 ?? "-",
        "later p50 (100k)": large?.later?.p50 ?? "-",
        "later p50 ratio": ratio(small?.later?.p50, large?.later?.p50),
        "later p99 ratio": ratio(small?.later?.p99, large?.later?.p99),
        errors: Object.values(rows).reduce(
          (sum, row) =>
            sum +
            row.first.errors +
            row.first.non2xx +
            (row.later?.errors ?? 0) +
            (row.later?.non2xx ?? 0),
          0,
        ),
      };
    }),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href && process.argv[2] === "growth") {
  const database = await benchDatabase();
  const issuer = await TestIssuer.start();
  const pool = createPool(database.url, { max: 4, statementTimeoutMillis: SEED_TIMEOUT_MS });
  try {
    await benchListGrowth(createDb(pool), issuer, apiEnv(database.url, issuer.origin));
  } finally {
    await pool.end();
    await issuer.close();
    await database.stop();
  }
}
