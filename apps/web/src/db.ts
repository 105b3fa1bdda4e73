import "server-only";
import { createDb, createPool, type Database } from "@taskbridge/db/client";
import { getConfig } from "./env.ts";

// One pool per server process, kept across hot reloads in development.
const globalForDb = globalThis as unknown as { taskbridgeDb?: Database };

export function getDb(): Database {
  if (!globalForDb.taskbridgeDb) {
    const config = getConfig();
    const pool = createPool(config.databaseUrl, {
      max: config.dbPoolMax,
      applicationName: "taskbridge-web",
    });
    pool.on("error", () => undefined);
    globalForDb.taskbridgeDb = createDb(pool);
  }
  return globalForDb.taskbridgeDb;
}
