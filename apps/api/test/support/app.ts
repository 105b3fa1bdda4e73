// The task API built for tests on a real database, with real token verification.
import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { createDb, createPool, type Database } from "@taskbridge/db/client";
import { user } from "@taskbridge/db/schema";
import type pg from "pg";
import { buildApp, loggerSettings } from "../../src/app.ts";
import type { ApiConfig } from "../../src/env.ts";
import { TokenVerifier } from "../../src/auth/verifier.ts";
import { testConfig, type TestEnv } from "./config.ts";
import { signHs256, TestIssuer, type SignOptions } from "./issuer.ts";

export interface TestApp {
  app: FastifyInstance;
  config: ApiConfig;
  pool: pg.Pool;
  db: Database;
  /** Inserts a user as Better Auth would and returns its id. */
  createUser(id?: string): Promise<string>;
  /** A valid token for `userId` in this app's mode. */
  tokenFor(userId: string, options?: SignOptions): Promise<string>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  databaseUrl: string;
  mode?: "jwks" | "hs256";
  /** JWKS mode: the issuer to trust (one is started otherwise). */
  issuer?: TestIssuer;
  /** Variables to set or override, parsed as a start parses them. */
  env?: TestEnv;
  /** Where log lines go (a test that reads them); silent by default. */
  logStream?: { write(line: string): void };
  /** The verifier's clock (milliseconds since the epoch). */
  now?: () => number;
  /** JWKS mode: wait for the first key set before returning (default true). */
  waitForKeys?: boolean;
  /** Whether this copy sends due reminders (default true). */
  sendReminders?: boolean;
}

/** Builds the real app (not listening; use `app.inject()` or `app.listen()`) with real verification. */
export async function buildTestApp(
  options: TestAppOptions,
): Promise<TestApp & { issuer: TestIssuer | undefined }> {
  const mode = options.mode ?? "jwks";
  const issuer = mode === "jwks" ? (options.issuer ?? (await TestIssuer.start())) : undefined;
  const ownIssuer = mode === "jwks" && !options.issuer;
  const config = testConfig({
    DATABASE_URL: options.databaseUrl,
    JWT_MODE: mode,
    ...(issuer ? { BETTER_AUTH_URL: issuer.origin } : {}),
    ...options.env,
  });
  const pool = createPool(config.databaseUrl, {
    max: config.dbPoolMax,
    connectionTimeoutMillis: 1500,
  });
  const db = createDb(pool);
  const verifier = new TokenVerifier({ config, now: options.now });
  // At debug: outside production the per-request lines are written at that level.
  const logger = options.logStream
    ? { ...loggerSettings("debug"), stream: options.logStream }
    : false;
  const app = await buildApp({
    config,
    pool,
    db,
    verifier,
    logger,
    sendReminders: options.sendReminders ?? true,
  });
  await app.ready();
  if (issuer && options.waitForKeys !== false) await verifier.loadKeys();
  return {
    app,
    config,
    pool,
    db,
    issuer,
    async createUser(id = `user-${randomBytes(6).toString("hex")}`) {
      await db.insert(user).values({ id, name: `User ${id}`, email: `${id}@example.test` });
      return id;
    },
    tokenFor(userId, signOptions = {}) {
      if (issuer) return issuer.sign(userId, signOptions);
      return signHs256(userId, {
        issuer: config.issuer,
        claims: signOptions.claims,
        header: signOptions.header,
      });
    },
    async close() {
      await app.close();
      await pool.end();
      if (ownIssuer) await issuer?.close();
    },
  };
}
