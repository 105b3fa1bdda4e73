// Shared pieces of the benchmarks: a PostgreSQL to run against and a load runner. The issuer of
// test tokens is the tests' own (apps/api/test/support/issuer.ts).
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
  };
}

export function printTable(title: string, rows: Array<Record<string, string | number>>): void {
  console.log(`\n${title}`);
  console.table(rows);
}
