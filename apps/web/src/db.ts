import "server-only";
import { createDb, createPool, type Database } from "@taskbridge/db/client";
import { getConfig } from "./env.ts";
import { webMetrics } from "./lib/metrics.ts";

// One pool per server process, kept across hot reloads in development.
const globalForDb = globalThis as unknown as { taskbridgeDb?: Database };

export function getDb(): Database {
  if (!globalForDb.taskbridgeDb) {
    const config = getConfig();
    const pool = createPool(config.databaseUrl, {
      max: config.dbPoolMax,
      applicationName: "taskbridge-web",
    });
    // An idle connection that dies (database restart) must not crash the server; say so once,
    // with the driver's code only (its message can name the host).
    pool.on("error", (error) => {
      const code = "code" in error && typeof error.code === "string" ? error.code : "no code";
      console.warn(`[web] idle database connection lost (${code})`);
    });
    webMetrics().pool = pool;
    globalForDb.taskbridgeDb = createDb(pool);
  }
  return globalForDb.taskbridgeDb;
}
