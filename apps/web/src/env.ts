import "server-only";
import { z } from "zod";
import { JWT_MODES } from "@taskbridge/shared/claims";
import { parseTrustedProxies } from "./lib/client-address.ts";

const origin = (value: string) => new URL(value).origin;

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z.url({ message: "must be a PostgreSQL URL" }),
  BETTER_AUTH_SECRET: z.string().min(32, "must be at least 32 characters"),
  BETTER_AUTH_URL: z.url().default("http://localhost:3000"),
  NEXT_PUBLIC_API_URL: z.url().default("http://localhost:8000"),
  JWT_AUDIENCE: z.string().min(1).optional(),
  JWT_MODE: z.enum(JWT_MODES).default("jwks"),
  /** Seconds; only tests shorten it. */
  JWT_LIFETIME_SECONDS: z.coerce
    .number()
    .int()
    .min(5)
    .max(3600)
    .default(15 * 60),
  /** Proxies in front of the web app (addresses or CIDR ranges), comma-separated. */
  TRUSTED_PROXIES: z.string().optional(),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
});

export interface WebConfig {
  env: "development" | "production" | "test";
  databaseUrl: string;
  secret: string;
  baseUrl: string;
  apiUrl: string;
  audience: string;
  jwtMode: "jwks" | "hs256";
  jwtLifetimeSeconds: number;
  /** Proxies whose X-Forwarded-For entries are skipped to find the client's address. */
  trustedProxies: string[];
  dbPoolMax: number;
}

function load(): WebConfig {
  const parsed = EnvSchema.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`The web app's configuration is invalid:\n${lines.join("\n")}`);
  }
  const env = parsed.data;
  return {
    env: env.NODE_ENV,
    databaseUrl: env.DATABASE_URL,
    secret: env.BETTER_AUTH_SECRET,
    baseUrl: origin(env.BETTER_AUTH_URL),
    apiUrl: origin(env.NEXT_PUBLIC_API_URL),
    audience: env.JWT_AUDIENCE ?? origin(env.NEXT_PUBLIC_API_URL),
    jwtMode: env.JWT_MODE,
    jwtLifetimeSeconds: env.JWT_LIFETIME_SECONDS,
    trustedProxies: parseTrustedProxies(env.TRUSTED_PROXIES),
    dbPoolMax: env.DB_POOL_MAX,
  };
}

let cached: WebConfig | undefined;

/** The validated configuration, read once per process (lazily, so `next build` needs none). */
export function getConfig(): WebConfig {
  cached ??= load();
  return cached;
}
