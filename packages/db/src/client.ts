import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import * as schema from "./schema.ts";

export interface PoolOptions {
  /** Most connections this process opens. */
  max?: number;
  /** How long to wait for a connection before failing, so a dead database answers fast. */
  connectionTimeoutMillis?: number;
  /** Server-side limit for one statement. */
  statementTimeoutMillis?: number;
  applicationName?: string;
}

/**
 * A pool whose idle connections may be dropped by the server (a restart, a failover, a dropped
 * database) without ending the process: pg reports that as an `error` event on the pool, which
 * throws when nothing listens. The pool has already discarded the connection, and the next
 * query opens another, so by default it is ignored here; servers add a listener that logs it.
 */
export function createPool(url: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 3000,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMillis ?? 5000,
    application_name: options.applicationName ?? "taskbridge",
  });
  pool.on("error", () => undefined);
  return pool;
}

export function createDb(pool: pg.Pool) {
  return drizzle({ client: pool, schema });
}

export type Database = ReturnType<typeof createDb>;
export { schema };
