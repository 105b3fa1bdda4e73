// Test databases: one PostgreSQL for the whole run (the embedded one in a temporary folder, or
// TEST_DATABASE_URL), a template database migrated once, and a fresh copy of it per test file.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres } from "@taskbridge/db/embedded";
import { migrateDatabase } from "@taskbridge/db/migrate";

export const TEMPLATE_DATABASE = "taskbridge_test_template";

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

export interface TestServer {
  /** URL of the server's `postgres` database, for administration. */
  adminUrl: string;
  stop(): Promise<void>;
}

/** Starts the run's PostgreSQL: TEST_DATABASE_URL when set, else an embedded one that is removed afterwards. */
export async function startTestServer(): Promise<TestServer> {
  const given = process.env.TEST_DATABASE_URL;
  if (given) return { adminUrl: given, stop: async () => undefined };
  const dir = await mkdtemp(path.join(os.tmpdir(), "taskbridge-test-pg-"));
  const password = randomBytes(12).toString("hex");
  const server = await startEmbeddedPostgres({
    dataDir: path.join(dir, "data"),
    port: await freePort(),
    password,
    database: "postgres",
    ephemeral: true,
  });
  return {
    adminUrl: server.url,
    stop: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Recreates the template database with every migration applied. */
export async function prepareTemplate(adminUrl: string): Promise<void> {
  await adminQuery(adminUrl, `drop database if exists ${TEMPLATE_DATABASE} with (force)`);
  await adminQuery(adminUrl, `create database ${TEMPLATE_DATABASE}`);
  await migrateDatabase(withDatabase(adminUrl, TEMPLATE_DATABASE));
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A new database, migrated (a copy of the template) or empty. */
export async function createTestDatabase(
  adminUrl: string,
  options: { empty?: boolean } = {},
): Promise<TestDatabase> {
  const name = `taskbridge_test_${randomBytes(6).toString("hex")}`;
  await adminQuery(
    adminUrl,
    options.empty
      ? `create database ${name}`
      : `create database ${name} template ${TEMPLATE_DATABASE}`,
  );
  return {
    url: withDatabase(adminUrl, name),
    drop: () => adminQuery(adminUrl, `drop database if exists ${name} with (force)`),
  };
}
