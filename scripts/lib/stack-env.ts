import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { authEnv, describeIssues, sharedEnv } from "@taskbridge/auth/env";
import { drainEnv } from "@taskbridge/shared/drain";

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** Git-ignored folder for everything this machine keeps: database files, generated secrets. */
export const dataDir = path.resolve(projectRoot, process.env.TASKBRIDGE_DATA_DIR ?? ".data");
const secretsFile = path.join(dataDir, "local-secrets.json");

const StackEnvSchema = authEnv(
  {
    DATABASE_URL: sharedEnv.databaseUrl().optional(),
    EMBEDDED_PG_PORT: z.coerce.number().int().min(1024).max(65535).default(54329),
    WEB_PORT: sharedEnv.port(3000),
    API_PORT: sharedEnv.port(8000),
    HOST: z.string().min(1).default("127.0.0.1"),
    // `npm run cluster`: HAProxy's two frontends and its stats page; the copies listen on
    // WEB_PORT + 1, + 2 and API_PORT + 1, + 2.
    CLUSTER_WEB_PORT: sharedEnv.port(8080),
    CLUSTER_API_PORT: sharedEnv.port(8081),
    CLUSTER_STATS_PORT: sharedEnv.port(8404),
    // Checked here so that a wrong value stops the start, not one copy of many; the apps read them.
    ...drainEnv,
  },
  // In development a strong one is generated (see localSecrets).
  { secretRequired: "production" },
);

export type StackEnv = z.output<typeof StackEnvSchema>;

export class StartError extends Error {
  override name = "StartError";
}

/**
 * Validates what `npm start` reads, with the same bridge rules as both apps. The local URLs
 * follow the ports when they are not given: moving the web app to WEB_PORT=3001 moves its
 * origin (the tokens' issuer, the JWKS) and the API's audience with it.
 */
export function parseStackEnv(source: NodeJS.ProcessEnv): StackEnv {
  const withUrls = { ...source };
  // A port that is not a number is reported as itself, not as a URL too.
  const isPort = (value: string | undefined) => value !== undefined && /^\d{1,5}$/.test(value);
  if (isPort(source.WEB_PORT) && source.BETTER_AUTH_URL === undefined)
    withUrls.BETTER_AUTH_URL = `http://localhost:${source.WEB_PORT}`;
  if (isPort(source.API_PORT) && source.NEXT_PUBLIC_API_URL === undefined)
    withUrls.NEXT_PUBLIC_API_URL = `http://localhost:${source.API_PORT}`;
  const parsed = StackEnvSchema.safeParse(withUrls);
  if (!parsed.success) {
    throw new StartError(`The configuration is invalid:\n${describeIssues(parsed.error)}`);
  }
  return parsed.data;
}

/** Loads `.env` from the project root (variables already set win) and validates it. */
export function readStackEnv(): StackEnv {
  const envFile = path.join(projectRoot, ".env");
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  return parseStackEnv(process.env);
}

const LocalSecretsSchema = z.object({
  betterAuthSecret: z.string().min(32),
  embeddedPgPassword: z.string().min(16),
});
type LocalSecrets = z.infer<typeof LocalSecretsSchema>;

/**
 * Secrets for development, generated on first start and kept in `.data/` so sessions and
 * signing keys survive restarts. Never used in production.
 */
export async function localSecrets(): Promise<LocalSecrets> {
  if (existsSync(secretsFile)) {
    const parsed = LocalSecretsSchema.safeParse(JSON.parse(await readFile(secretsFile, "utf8")));
    if (parsed.success) return parsed.data;
    throw new StartError(`${secretsFile} is damaged: delete it to generate new local secrets.`);
  }
  const secrets: LocalSecrets = {
    betterAuthSecret: randomBytes(32).toString("base64url"),
    embeddedPgPassword: randomBytes(18).toString("base64url"),
  };
  await mkdir(dataDir, { recursive: true });
  await writeFile(secretsFile, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}

/** The auth secret to run with: given (checked by the schema), or generated for development. */
export async function resolveAuthSecret(env: StackEnv): Promise<string> {
  if (env.BETTER_AUTH_SECRET) return env.BETTER_AUTH_SECRET;
  // The schema refuses a start without one in production; this is a second lock on that door.
  if (env.NODE_ENV === "production") throw new StartError("BETTER_AUTH_SECRET is required");
  return (await localSecrets()).betterAuthSecret;
}
