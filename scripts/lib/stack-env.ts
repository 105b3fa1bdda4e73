import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** Git-ignored folder for everything this machine keeps: database files, generated secrets. */
export const dataDir = path.resolve(projectRoot, process.env.TASKBRIDGE_DATA_DIR ?? ".data");
const secretsFile = path.join(dataDir, "local-secrets.json");

const StackEnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).optional(),
  DATABASE_URL: z.url({ message: "must be a PostgreSQL URL" }).optional(),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1024).max(65535).default(54329),
  BETTER_AUTH_SECRET: z.string().optional(),
  BETTER_AUTH_URL: z.url().default("http://localhost:3000"),
  WEB_PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  API_PORT: z.coerce.number().int().min(1).max(65535).default(8000),
  HOST: z.string().min(1).default("127.0.0.1"),
  NEXT_PUBLIC_API_URL: z.url().default("http://localhost:8000"),
});

export type StackEnv = z.infer<typeof StackEnvSchema>;

export class StartError extends Error {
  override name = "StartError";
}

/** Loads `.env` from the project root (variables already set win) and validates what `npm start` reads. */
export function readStackEnv(): StackEnv {
  const envFile = path.join(projectRoot, ".env");
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  const parsed = StackEnvSchema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new StartError(`The configuration is invalid:\n${lines.join("\n")}`);
  }
  return parsed.data;
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

/** The auth secret to run with: given, generated for development, or a clear refusal in production. */
export async function resolveAuthSecret(env: StackEnv): Promise<string> {
  const production = env.NODE_ENV === "production";
  if (env.BETTER_AUTH_SECRET !== undefined) {
    if (env.BETTER_AUTH_SECRET.length < 32) {
      throw new StartError(
        "BETTER_AUTH_SECRET must be at least 32 characters (generate one with `openssl rand -base64 32`).",
      );
    }
    return env.BETTER_AUTH_SECRET;
  }
  if (production) {
    throw new StartError(
      "BETTER_AUTH_SECRET is required when NODE_ENV=production (at least 32 characters; generate one with `openssl rand -base64 32`).",
    );
  }
  return (await localSecrets()).betterAuthSecret;
}
