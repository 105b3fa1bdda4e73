// Shared pieces of the benchmarks: a PostgreSQL to run against, a signing issuer, a load runner.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import { startEmbeddedPostgres } from "@taskbridge/db/embedded";
import { migrateDatabase } from "@taskbridge/db/migrate";
import { freePort } from "../tests/database.ts";

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
  const dir = await mkdtemp(path.join(os.tmpdir(), "taskbridge-bench-"));
  const server = await startEmbeddedPostgres({
    dataDir: path.join(dir, "pg"),
    port: await freePort(),
    password: randomBytes(12).toString("hex"),
    database: "bench",
    ephemeral: true,
  });
  await migrateDatabase(server.url);
  return {
    url: server.url,
    stop: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Better Auth's side for the benchmark: an Ed25519 key, its JWKS on 127.0.0.1, real tokens. */
export class BenchIssuer {
  origin = "";
  private server: http.Server | undefined;
  private constructor(
    private readonly privateKey: CryptoKey,
    private readonly jwk: JWK,
  ) {}

  static async start(): Promise<BenchIssuer> {
    const { privateKey, publicKey } = await generateKeyPair("EdDSA", { extractable: true });
    const issuer = new BenchIssuer(privateKey, {
      ...(await exportJWK(publicKey)),
      kid: randomUUID(),
      alg: "EdDSA",
    });
    issuer.server = http.createServer((_request, response) => {
      response
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ keys: [issuer.jwk] }));
    });
    const port = await freePort();
    await new Promise<void>((resolve) => issuer.server?.listen(port, "127.0.0.1", resolve));
    issuer.origin = `http://127.0.0.1:${port}`;
    return issuer;
  }

  get jwksUrl(): string {
    return `${this.origin}/api/auth/jwks`;
  }

  sign(userId: string, audience: string): Promise<string> {
    return new SignJWT({ email: `${userId}@bench.test`, name: userId })
      .setProtectedHeader({ alg: "EdDSA", kid: this.jwk.kid })
      .setSubject(userId)
      .setIssuer(this.origin)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime("15m")
      .sign(this.privateKey);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
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
