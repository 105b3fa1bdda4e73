// Rolling restart through HAProxy, loses nothing: two task API copies and two web app copies
// (as `npm run cluster` runs them) behind deploy/haproxy.cfg, a steady load of reads and writes
// through the balancer for a minute, and meanwhile each copy in turn gets SIGTERM, exits, starts
// again and comes back UP. Every request must succeed (no 5xx, no reset, no timeout), every
// write the API acknowledged must be stored, once, and event streams followed through the
// balancer must end with a retry hint and reconnect (replay of what they missed is not checked).
//
// Run by `npm test` after the web app's build (it needs one); on its own:
// `node --import tsx tests/cluster/rolling-restart.ts`. Skipped, saying so, without `haproxy`.
// CLUSTER_TEST_SECONDS and CLUSTER_TEST_RATE change the load's length and requests per second.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { migrateDatabase } from "@taskbridge/db/migrate";
import { tokenFromBody } from "@taskbridge/auth/token-body";
import {
  apiArgs,
  findHaproxy,
  HAPROXY_MISSING,
  haproxyArgs,
  haproxyEnv,
  haproxyServerStates,
  haproxyServerStats,
  webArgs,
  type ClusterAddresses,
} from "../../scripts/lib/copies.ts";
import { projectRoot } from "../../scripts/lib/stack-env.ts";
import { webBuildIsCurrent, webDir } from "../../scripts/lib/web-build.ts";
import { createTestDatabase, freePort, startTestServer } from "../database.ts";

const SECONDS = Number(process.env.CLUSTER_TEST_SECONDS ?? 60);
const RATE = Number(process.env.CLUSTER_TEST_RATE ?? 55);
const REQUEST_TIMEOUT_MS = 15_000;
const HOST = "127.0.0.1";

function log(message: string) {
  console.log(`[rolling-restart] ${message}`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One copy of an app (or HAProxy), restartable, its output kept for a failure's report. */
class Copy {
  child: ChildProcess | undefined;
  output: string[] = [];

  constructor(
    readonly name: string,
    private readonly command: string,
    private readonly args: string[],
    private readonly options: { cwd: string; env: NodeJS.ProcessEnv },
    /** Its own readiness URL; undefined for HAProxy. */
    readonly readyUrl?: string,
    /** `backend/server` in HAProxy's stats; empty for HAProxy. */
    readonly server = "",
  ) {}

  start(): void {
    const child = spawn(this.command, this.args, { ...this.options, stdio: "pipe" });
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding("utf8").on("data", (chunk: string) => {
        this.output.push(chunk);
        if (this.output.length > 400) this.output.splice(0, 100);
      });
    }
    this.child = child;
  }

  /** SIGTERM, and the exit code once it has exited. */
  async stop(timeoutMs = 20_000): Promise<number | string> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return "not running";
    const exited = new Promise<number | string>((resolve) =>
      child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
    );
    child.kill("SIGTERM");
    const result = await Promise.race([exited, sleep(timeoutMs).then(() => "timeout" as const)]);
    if (result === "timeout") {
      child.kill("SIGKILL");
      await exited;
    }
    return result;
  }

  async untilReady(timeoutMs = 90_000): Promise<void> {
    if (!this.readyUrl) return;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child?.exitCode !== null) throw new Error(`${this.name} exited while starting`);
      const ok = await fetch(this.readyUrl, { signal: AbortSignal.timeout(2000) }).then(
        (response) => response.ok,
        () => false,
      );
      if (ok) return;
      await sleep(200);
    }
    throw new Error(`${this.name} was not ready within ${timeoutMs / 1000} s`);
  }
}

async function untilUp(statsUrl: string, servers: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const states = await haproxyServerStates(statsUrl);
    if (servers.every((server) => states.get(server) === "UP")) return;
    await sleep(200);
  }
  const states = await haproxyServerStates(statsUrl);
  throw new Error(
    `HAProxy did not see ${servers.join(", ")} UP within ${timeoutMs / 1000} s: ${JSON.stringify([...states])}`,
  );
}

/** What the copies' `/metrics` asks for, scraped once during the load. */
const METRICS_TOKEN = randomBytes(24).toString("hex");

/**
 * `/metrics` through the balancer, as a Prometheus server would scrape it: refused (404) without
 * the token; with it, the request histogram is labelled by route template, never by a raw path.
 */
async function scrapeMetrics(origin: string, series: string): Promise<string[]> {
  const problems: string[] = [];
  const refused = await fetch(`${origin}/metrics`);
  if (refused.status !== 404)
    problems.push(`${origin}/metrics without the token: ${refused.status}`);
  const scraped = await fetch(`${origin}/metrics`, {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  const text = await scraped.text();
  if (scraped.status !== 200) problems.push(`${origin}/metrics: ${scraped.status}`);
  const buckets = text.split("\n").filter((line) => line.startsWith(`${series}_bucket{`));
  if (!buckets.some((line) => /route="[^"]*"/.test(line)))
    problems.push(`${origin}/metrics has no ${series} by route`);
  const raw = buckets.find((line) => /route="[^"]*[0-9a-f]{8}-[0-9a-f]{4}-/.test(line));
  if (raw) problems.push(`${origin}/metrics labels a raw path: ${raw}`);
  return problems;
}

interface Person {
  cookie: string;
  token: string;
  address: string;
}

interface Failure {
  at: number;
  what: string;
  problem: string;
}

async function signUp(webOrigin: string, index: number): Promise<Person> {
  // Each person from an address of their own, past the trusted balancer, as real clients are.
  const address = `10.77.${index}.${1 + Math.floor(Math.random() * 250)}`;
  const headers = {
    origin: webOrigin,
    "content-type": "application/json",
    "x-forwarded-for": address,
  };
  const email = `load-${index}-${randomBytes(4).toString("hex")}@example.test`;
  const password = `${randomBytes(12).toString("base64url")}-Rolling-7`;
  const up = await fetch(`${webOrigin}/api/auth/sign-up/email`, {
    method: "POST",
    headers,
    body: JSON.stringify({ name: `Load ${index}`, email, password }),
  });
  if (up.status !== 200) throw new Error(`sign-up: ${up.status} ${await up.text()}`);
  const signIn = await fetch(`${webOrigin}/api/auth/sign-in/email`, {
    method: "POST",
    headers,
    body: JSON.stringify({ email, password }),
  });
  if (signIn.status !== 200) throw new Error(`sign-in: ${signIn.status} ${await signIn.text()}`);
  const cookie = signIn.headers
    .getSetCookie()
    .map((value) => value.split(";")[0])
    .join("; ");
  const tokenAnswer = await fetch(`${webOrigin}/api/auth/token`, {
    headers: { origin: webOrigin, cookie, "x-forwarded-for": address },
  });
  const token = tokenFromBody(await tokenAnswer.json());
  if (!token) throw new Error(`no token (${tokenAnswer.status})`);
  return { cookie, token, address };
}

interface StreamRecord {
  /** Streams opened with 200. */
  opened: number;
  /** Streams a copy ended while draining, with its `retry:` hint last. */
  endedWithRetry: number;
  /** `event: task` messages received. */
  taskEvents: number;
  /** The feed position the first stream started at (its `ready` id). */
  start: number | undefined;
  /** The position of every feed message received, in the order received. */
  positions: number[];
  /** `event: resync` received: the client would have had to reload everything. */
  resyncs: number;
}

/** The user id a token is for (its `sub`), to read their feed's head in the database. */
function subjectOf(token: string): string {
  const payload = token.split(".")[1] ?? "";
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { sub: string };
  return claims.sub;
}

/**
 * An event stream client through the balancer, as the web app's is: it reconnects whenever its
 * stream ends (after the `retry:` the stream gave), until `stop` aborts it. A stream that fails
 * to open, or breaks instead of ending, is a failure. It reconnects as EventSource does, with
 * `Last-Event-ID` (the last feed position it got), and records every position it receives, so
 * the test can tell that each change came once, in order, whichever copy it reached.
 */
function newStreamRecord(): StreamRecord {
  return {
    opened: 0,
    endedWithRetry: 0,
    taskEvents: 0,
    start: undefined,
    positions: [],
    resyncs: 0,
  };
}

async function followEvents(
  apiOrigin: string,
  person: Person,
  record: StreamRecord,
  stop: AbortSignal,
  failures: Failure[],
  startedAt: number,
): Promise<StreamRecord> {
  let retryMs = 3000;
  let lastId: string | undefined;
  while (!stop.aborted) {
    let tail = "";
    let pending = "";
    try {
      const response = await fetch(`${apiOrigin}/api/events`, {
        headers: {
          authorization: `Bearer ${person.token}`,
          ...(lastId === undefined ? {} : { "last-event-id": lastId }),
        },
        signal: stop,
      });
      if (response.status !== 200 || !response.body) {
        failures.push({
          at: Date.now() - startedAt,
          what: "GET /api/events",
          problem: `${response.status} ${(await response.text()).slice(0, 200)}`,
        });
      } else {
        record.opened += 1;
        const decoder = new TextDecoder();
        for await (const chunk of response.body) {
          const text = decoder.decode(chunk as Uint8Array, { stream: true });
          tail = (tail + text).slice(-200);
          pending += text;
          // Whole messages only: a message ends with a blank line.
          let end = pending.indexOf("\n\n");
          while (end >= 0) {
            const message = pending.slice(0, end);
            pending = pending.slice(end + 2);
            end = pending.indexOf("\n\n");
            const event = /^event: (.+)$/m.exec(message)?.[1];
            const id = /^id: (\d+)$/m.exec(message)?.[1];
            if (event === "resync") record.resyncs += 1;
            if (id === undefined) continue;
            if (event === "ready" || event === "resync") record.start ??= Number(id);
            else {
              if (event === "task") record.taskEvents += 1;
              record.positions.push(Number(id));
            }
            lastId = id;
          }
        }
        const retry = /retry: (\d+)\n\n$/.exec(tail);
        if (retry) {
          record.endedWithRetry += 1;
          retryMs = Number(retry[1]);
        }
      }
    } catch (error) {
      if (stop.aborted) break;
      failures.push({
        at: Date.now() - startedAt,
        what: "GET /api/events",
        problem: `broken: ${(error as Error).message} (${String((error as { cause?: unknown }).cause)})`,
      });
    }
    await sleep(retryMs);
  }
  return record;
}

async function main(): Promise<number> {
  const haproxy = findHaproxy();
  if (!haproxy) {
    log(`SKIPPED: ${HAPROXY_MISSING}`);
    return 0;
  }
  if (!(await webBuildIsCurrent())) {
    log("the web app's production build is missing or outdated: run `npm run build` first");
    return 1;
  }

  const server = await startTestServer();
  const database = await createTestDatabase(server.adminUrl, { empty: true });
  await migrateDatabase(database.url);

  const ports = await Promise.all(Array.from({ length: 7 }, () => freePort()));
  const [
    webFrontPort = 0,
    apiFrontPort = 0,
    statsPort = 0,
    web1 = 0,
    web2 = 0,
    api1 = 0,
    api2 = 0,
  ] = ports;
  const addresses: ClusterAddresses = {
    host: HOST,
    webFrontPort,
    apiFrontPort,
    statsPort,
    webPorts: [web1, web2],
    apiPorts: [api1, api2],
  };
  const webOrigin = `http://${HOST}:${addresses.webFrontPort}`;
  const apiOrigin = `http://${HOST}:${addresses.apiFrontPort}`;
  const statsUrl = `http://${HOST}:${addresses.statsPort}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    DATABASE_URL: database.url,
    BETTER_AUTH_SECRET: randomBytes(32).toString("base64url"),
    BETTER_AUTH_URL: webOrigin,
    NEXT_PUBLIC_API_URL: apiOrigin,
    TRUSTED_PROXIES: "127.0.0.1,::1",
    API_TRUSTED_PROXIES: "127.0.0.1,::1",
    API_HOST: HOST,
    // The load comes from a handful of people; the API's per-user limit is not under test.
    RATE_LIMIT_PER_MINUTE: "1000000",
    DB_POOL_MAX: "8",
    LOG_LEVEL: "warn",
    NEXT_TELEMETRY_DISABLED: "1",
    METRICS_TOKEN,
  };
  const copies = [
    ...addresses.apiPorts.map(
      (port, index) =>
        new Copy(
          `api-${index + 1}`,
          process.execPath,
          apiArgs(),
          { cwd: projectRoot, env: { ...env, API_PORT: String(port) } },
          `http://${HOST}:${port}/readyz`,
          `api/api${index + 1}`,
        ),
    ),
    ...addresses.webPorts.map(
      (port, index) =>
        new Copy(
          `web-${index + 1}`,
          process.execPath,
          webArgs(port, HOST),
          { cwd: webDir, env },
          `http://${HOST}:${port}/readyz`,
          `web/web${index + 1}`,
        ),
    ),
  ];
  const balancer = new Copy("haproxy", haproxy, haproxyArgs(), {
    cwd: projectRoot,
    env: { PATH: process.env.PATH, ...haproxyEnv(addresses) },
  });
  const everything = [...copies, balancer];

  const failures: Failure[] = [];
  const report = (problems: string[]) => {
    for (const problem of problems) log(`FAILED: ${problem}`);
    for (const failure of failures.slice(0, 20))
      log(`  at ${(failure.at / 1000).toFixed(1)} s: ${failure.what}: ${failure.problem}`);
    for (const copy of everything) {
      const tail = copy.output.join("").split("\n").slice(-15).join("\n  ");
      if (tail.trim()) log(`${copy.name}'s last lines:\n  ${tail}`);
    }
  };

  // Stopped from outside (`npm test` passes a SIGTERM on; Ctrl-C): leave nothing running.
  let cleaning: Promise<void> | undefined;
  const cleanUp = () =>
    (cleaning ??= (async () => {
      await Promise.all(everything.map((copy) => copy.stop(15_000)));
      await database.drop().catch(() => undefined);
      await server.stop();
    })());
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping the copies`);
      void cleanUp().finally(() => process.exit(1));
    });
  }

  try {
    const started = Date.now();
    for (const copy of copies) copy.start();
    await Promise.all(
      copies.filter((copy) => copy.name.startsWith("web")).map((c) => c.untilReady()),
    );
    balancer.start();
    await Promise.all(copies.map((copy) => copy.untilReady()));
    await untilUp(
      statsUrl,
      copies.map((copy) => copy.server),
    );
    log(
      `two API and two web copies UP behind HAProxy in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );

    const people = await Promise.all([0, 1, 2, 3].map((index) => signUp(webOrigin, index)));

    // The load: one request every 1/RATE s, whatever the answers' pace (at most 400 open).
    const acknowledged: string[] = [];
    const counts = { read: 0, write: 0, session: 0, page: 0 };
    let open = 0;
    const total = Math.round(SECONDS * RATE);
    const loadStart = Date.now();
    const request = async (index: number) => {
      const person = people[index % people.length];
      if (!person) return;
      const roll = index % 20;
      const kind =
        roll < 9 ? "read" : roll < 15 ? "write" : roll < 19 ? "session" : ("page" as const);
      counts[kind] += 1;
      const title = `load ${index}`;
      const [url, init]: [string, RequestInit] =
        kind === "read"
          ? [
              `${apiOrigin}/api/tasks?limit=20`,
              { headers: { authorization: `Bearer ${person.token}` } },
            ]
          : kind === "write"
            ? [
                `${apiOrigin}/api/tasks`,
                {
                  method: "POST",
                  headers: {
                    authorization: `Bearer ${person.token}`,
                    "content-type": "application/json",
                  },
                  body: JSON.stringify({ title }),
                },
              ]
            : kind === "session"
              ? [
                  `${webOrigin}/api/auth/get-session`,
                  { headers: { cookie: person.cookie, "x-forwarded-for": person.address } },
                ]
              : [`${webOrigin}/sign-in`, { headers: { "x-forwarded-for": person.address } }];
      const what = `${init.method ?? "GET"} ${url.replace(/^http:\/\/[^/]+/, "")}`;
      const at = Date.now() - loadStart;
      open += 1;
      try {
        const response = await fetch(url, {
          ...init,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        const body = await response.text();
        const expected = kind === "write" ? 201 : 200;
        if (response.status !== expected) {
          failures.push({ at, what, problem: `${response.status} ${body.slice(0, 200)}` });
          return;
        }
        if (kind === "write") acknowledged.push((JSON.parse(body) as { id: string }).id);
        if (kind === "session" && !body.includes('"session"'))
          failures.push({ at, what, problem: `no session: ${body.slice(0, 200)}` });
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        failures.push({
          at,
          what,
          problem: `${(error as Error).name}: ${(error as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ""}`,
        });
      } finally {
        open -= 1;
      }
    };

    // Two people follow their event streams through the balancer all along.
    const stopStreams = new AbortController();
    const following = people.slice(0, 2).map((person) => ({ person, record: newStreamRecord() }));
    const streams = Promise.all(
      following.map(({ person, record }) =>
        followEvents(apiOrigin, person, record, stopStreams.signal, failures, loadStart),
      ),
    );

    // Half way through the load (and the restarts), both apps' /metrics through the balancer.
    const scraped = sleep(30_000).then(async () =>
      (
        await Promise.all([
          scrapeMetrics(apiOrigin, "taskbridge_http_request_duration_seconds"),
          scrapeMetrics(webOrigin, "taskbridge_web_http_request_duration_seconds"),
        ])
      ).flat(),
    );

    const restarts: string[] = [];
    const restartProblems: string[] = [];
    const restarting = (async () => {
      await sleep(4000);
      // API, web, API, web: one of each is always UP.
      const order = ["api-1", "web-1", "api-2", "web-2"].flatMap((name) =>
        copies.filter((copy) => copy.name === name),
      );
      for (const copy of order) {
        const begun = Date.now();
        const code = await copy.stop();
        if (code !== 0) restartProblems.push(`${copy.name} exited with ${code} on SIGTERM`);
        const stopped = Date.now();
        copy.start();
        await copy.untilReady();
        await untilUp(statsUrl, [copy.server]);
        restarts.push(
          `${copy.name} (stopped in ${((stopped - begun) / 1000).toFixed(1)} s, UP again after ${((Date.now() - begun) / 1000).toFixed(1)} s)`,
        );
        await sleep(1000);
      }
      return Date.now() - loadStart;
    })();

    const inFlight: Promise<void>[] = [];
    for (let index = 0; index < total; index += 1) {
      const due = loadStart + (index * 1000) / RATE;
      if (due > Date.now()) await sleep(due - Date.now());
      if (open >= 400) {
        failures.push({ at: Date.now() - loadStart, what: "load", problem: "400 requests open" });
        continue;
      }
      inFlight.push(request(index));
    }
    const loadSeconds = (Date.now() - loadStart) / 1000;
    await Promise.all(inFlight);
    // Each follower catches up with its feed's head (bounded), then the streams stop.
    const feedHeads = async () => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const heads = await client.query<{ user_id: string; last: string }>(
          "select user_id, last::text as last from change_feed_head where user_id = any($1::text[])",
          [following.map(({ person }) => subjectOf(person.token))],
        );
        return new Map(heads.rows.map((row) => [row.user_id, Number(row.last)]));
      } finally {
        await client.end();
      }
    };
    const heads = await feedHeads();
    const caughtUp = () =>
      following.every(
        ({ person, record }) =>
          (record.positions.at(-1) ?? record.start) === heads.get(subjectOf(person.token)),
      );
    for (let waited = 0; waited < 100 && !caughtUp(); waited++) await sleep(100);
    stopStreams.abort();
    const followed = await streams;
    const restartsEndedAt = await Promise.race([restarting, sleep(60_000).then(() => undefined)]);

    // Every acknowledged write is stored, and stored once: no retried POST ran twice.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const stored = await client.query<{ id: string }>(
      "select id::text as id from task where id::text = any($1::text[])",
      [acknowledged],
    );
    const twice = await client.query<{ title: string; copies: string }>(
      "select title, count(*)::text as copies from task where title like 'load %' group by title having count(*) > 1",
    );
    await client.end();

    // No stickiness: every copy took its share of the requests (a copy is down for a few
    // seconds of the minute, and one person's session or token works on any copy).
    const served = await haproxyServerStats(statsUrl);
    const shares = copies.map((copy) => ({
      name: copy.name,
      backend: copy.server.split("/")[0] ?? "",
      requests: Number(served.get(copy.server)?.req_tot ?? 0),
    }));
    const backendTotal = (backend: string) =>
      shares.filter((share) => share.backend === backend).reduce((sum, s) => sum + s.requests, 0);

    const problems: string[] = [...restartProblems, ...(await scraped)];
    // Each API copy restarted ends the streams it holds with a retry hint, and they reconnect.
    const endedWithRetry = followed.reduce((sum, record) => sum + record.endedWithRetry, 0);
    if (endedWithRetry < 2)
      problems.push(`only ${endedWithRetry} event streams ended with a retry hint on a restart`);
    if (followed.some((record) => record.taskEvents === 0))
      problems.push("an event stream client heard no task change");
    // Across every reconnection (Last-Event-ID, to whichever copy): each change of the person's
    // feed exactly once and in order, from where the first stream started to the feed's head.
    for (const [index, { person, record }] of following.entries()) {
      const head = heads.get(subjectOf(person.token)) ?? 0;
      const start = record.start ?? 0;
      const expected = Array.from({ length: head - start }, (_, offset) => start + 1 + offset);
      if (record.resyncs > 0) problems.push(`event stream ${index + 1} was told to resync`);
      if (JSON.stringify(record.positions) !== JSON.stringify(expected)) {
        const seen = new Set<number>();
        const twice = record.positions.filter((p) => seen.has(p) || !seen.add(p)).length;
        const missing = expected.filter((p) => !seen.has(p)).length;
        problems.push(
          `event stream ${index + 1} got ${record.positions.length} changes for positions ` +
            `${start + 1}..${head}: ${missing} missing, ${twice} twice, ` +
            `in order: ${record.positions.every((p, i, all) => i === 0 || p > (all[i - 1] ?? 0))}`,
        );
      }
    }
    for (const share of shares) {
      if (share.requests < backendTotal(share.backend) * 0.1)
        problems.push(`${share.name} served only ${share.requests} requests`);
    }
    if (restartsEndedAt === undefined || restartsEndedAt > loadSeconds * 1000)
      problems.push(`the restarts did not finish within the load (${restarts.length} of 4 done)`);
    if (failures.length > 0) problems.push(`${failures.length} of ${total} requests failed`);
    if (stored.rowCount !== acknowledged.length)
      problems.push(
        `${acknowledged.length - (stored.rowCount ?? 0)} acknowledged writes are missing`,
      );
    if (twice.rowCount) problems.push(`${twice.rowCount} writes were stored twice`);

    log(
      `${total} requests in ${loadSeconds.toFixed(1)} s (${(total / loadSeconds).toFixed(1)}/s): ` +
        `${counts.read} API reads, ${counts.write} API writes (${acknowledged.length} acknowledged, ` +
        `${stored.rowCount} stored), ${counts.session} session reads and ${counts.page} pages from the web app`,
    );
    log(`restarted in turn: ${restarts.join("; ")}`);
    log(
      `event streams: ${followed.map((r) => `${r.opened} opened, ${r.endedWithRetry} ended by a draining copy with retry:, ${r.positions.length} feed changes (${r.taskEvents} task events) across reconnections with Last-Event-ID`).join("; ")}`,
    );
    log(`requests each copy served: ${shares.map((s) => `${s.name} ${s.requests}`).join(", ")}`);
    if (problems.length > 0) {
      report(problems);
      return 1;
    }
    log("no request failed and no write was lost");
    return 0;
  } catch (error) {
    report([error instanceof Error ? error.message : String(error)]);
    return 1;
  } finally {
    await cleanUp();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
