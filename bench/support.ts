// Shared pieces of the benchmarks: a PostgreSQL to run against and a load runner. The issuer of
// test tokens is the tests' own (apps/api/test/support/issuer.ts).
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { migrateDatabase } from "@taskbridge/db/migrate";
import { startTestServer } from "../tests/database.ts";

export interface BenchDatabase {
  url: string;
  stop(): Promise<void>;
}

/** DATABASE_URL when set (its database gets bench tables and rows), else a throwaway embedded PostgreSQL. */
export async function benchDatabase(): Promise<BenchDatabase> {
  const given = process.env.DATABASE_URL;
  if (given) {
    await migrateDatabase(given);
    return { url: given, stop: async () => undefined };
  }
  // The test suite's throwaway PostgreSQL, migrated in place.
  const server = await startTestServer();
  await migrateDatabase(server.adminUrl);
  return { url: server.adminUrl, stop: () => server.stop() };
}

export interface LoadResult {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** Requests answered in all. */
  total?: number;
}

/** Runs one bounded load (duration in seconds) against a local URL with autocannon. */
export async function load(
  name: string,
  options: {
    url: string;
    connections: number;
    duration: number;
    method?: "GET" | "POST" | "PATCH";
    headers: Record<string, string>;
    body?: string;
  },
): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.duration,
    method: options.method ?? "GET",
    headers: options.headers,
    body: options.body,
  });
  return {
    name,
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    total: result.requests.total,
  };
}

/** Whether wrk is installed (the perf tool measures with it). */
export async function hasWrk(): Promise<boolean> {
  return new Promise((resolve) => {
    execFile("wrk", ["--version"], (error) =>
      resolve(!error || !("code" in error) || error.code !== "ENOENT"),
    );
  });
}

export interface WrkLoad {
  /** Origin, e.g. http://127.0.0.1:8000. */
  base: string;
  method: "GET" | "POST" | "PATCH";
  /** Path; `{id}` is replaced, request by request, by one of `ids` taken at random. */
  path: string;
  ids?: string[];
  body?: string;
  headers: Record<string, string>;
  connections: number;
  duration: number;
}

const lua = (text: string) => JSON.stringify(text);
/** A millisecond figure from wrk's units. */
function millis(value: string): number {
  const number = Number.parseFloat(value);
  if (value.endsWith("us")) return number / 1000;
  if (value.endsWith("ms")) return number;
  if (value.endsWith("s")) return number * 1000;
  return number;
}

/**
 * One bounded load with wrk, two threads, as the perf tool runs it; the request is
 * written by a Lua script so that POST bodies and PATCHes of several tasks can be sent.
 */
export async function loadWrk(name: string, options: WrkLoad): Promise<LoadResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "taskbridge-wrk-"));
  const script = path.join(dir, "request.lua");
  const headers = Object.entries(options.headers)
    .map(([header, value]) => `wrk.headers[${lua(header)}] = ${lua(value)}`)
    .join("\n");
  const ids = options.ids ?? [];
  await writeFile(
    script,
    `${headers}
local ids = { ${ids.map(lua).join(", ")} }
local body = ${options.body === undefined ? "nil" : lua(options.body)}
request = function()
  local path = ${lua(options.path)}
  if #ids > 0 then path = path:gsub("{id}", ids[math.random(#ids)]) end
  return wrk.format(${lua(options.method)}, path, nil, body)
end
`,
  );
  const output = await new Promise<string>((resolve, reject) => {
    execFile(
      "wrk",
      [
        "-t2",
        `-c${options.connections}`,
        `-d${options.duration}s`,
        "--latency",
        "-s",
        script,
        options.base,
      ],
      { maxBuffer: 1 << 20 },
      (error, stdout) =>
        error ? reject(new Error(`wrk failed: ${error.message}`)) : resolve(stdout),
    );
  });
  const field = (pattern: RegExp) => pattern.exec(output)?.[1] ?? "0";
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    output,
  );
  return {
    name,
    requestsPerSecond: Math.round(Number(field(/Requests\/sec:\s+([\d.]+)/))),
    p50: millis(field(/\s50%\s+(\S+)/)),
    p99: millis(field(/\s99%\s+(\S+)/)),
    errors: socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
    non2xx: Number(field(/Non-2xx or 3xx responses: (\d+)/)),
    total: Number(field(/(\d+) requests in/)),
  };
}

export function printTable(title: string, rows: Array<Record<string, string | number>>): void {
  console.log(`\n${title}`);
  console.table(rows);
}
