import { z } from "zod";
import { JWT_MODES } from "@taskbridge/shared/claims";

const origin = (value: string) => new URL(value).origin;

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z.url({ message: "must be a PostgreSQL URL" }),
  API_PORT: z.coerce
    .number({ message: "must be a port number" })
    .int()
    .min(0)
    .max(65535)
    .default(8000),
  API_HOST: z.string().min(1).default("127.0.0.1"),
  BETTER_AUTH_URL: z.url().default("http://localhost:3000"),
  BETTER_AUTH_SECRET: z.string().optional(),
  NEXT_PUBLIC_API_URL: z.url().default("http://localhost:8000"),
  JWT_MODE: z.enum(JWT_MODES).default("jwks"),
  JWT_AUDIENCE: z.string().min(1).optional(),
  CORS_ORIGINS: z.string().optional(),
  REDIS_URL: z.url().optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(20),
  API_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  API_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(20_000),
  API_IDLE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  API_TRUSTED_PROXIES: z.string().optional(),
});

export interface ApiConfig {
  env: "development" | "production" | "test";
  databaseUrl: string;
  port: number;
  host: string;
  logLevel: string;
  /** The web app's origin: the required `iss` and where the JWKS is published. */
  issuer: string;
  /** The `aud` every token must contain. */
  audience: string;
  /** The MCP endpoint as an OAuth resource: the `aud` of assistants' tokens, `<API origin>/mcp`. */
  mcpResource: string;
  jwtMode: "jwks" | "hs256";
  jwksUrl: string;
  secret: string | undefined;
  corsOrigins: string[];
  redisUrl: string | undefined;
  rateLimitPerMinute: number;
  dbPoolMax: number;
  /** Longest a client may take to send a request's headers (a slow or partial request line). */
  headersTimeoutMs: number;
  /** Longest a client may take to send a whole request, body included (a trickled body). */
  requestTimeoutMs: number;
  /** A connection with nothing sent either way for this long is closed. */
  idleTimeoutMs: number;
  /**
   * Addresses or CIDR ranges of proxies whose `X-Forwarded-For` is believed; empty: the client's
   * address is the socket's and the header is ignored.
   */
  trustedProxies: string[];
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Reads and validates the API's environment, naming every variable that is missing or wrong. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): ApiConfig {
  const parsed = EnvSchema.safeParse(source);
  const lines = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `  ${issue.path.join(".") || "(env)"}: ${issue.message}`);
  // Checked apart from the schema so that it is reported along with every other problem.
  if ((source.JWT_MODE ?? "jwks") === "hs256" && (source.BETTER_AUTH_SECRET ?? "").length < 32) {
    lines.push("  BETTER_AUTH_SECRET: must be at least 32 characters when JWT_MODE=hs256");
  }
  if (parsed.success && parsed.data.API_HEADERS_TIMEOUT_MS > parsed.data.API_REQUEST_TIMEOUT_MS) {
    lines.push("  API_HEADERS_TIMEOUT_MS: must not be longer than API_REQUEST_TIMEOUT_MS");
  }
  if (!parsed.success || lines.length > 0) {
    throw new ConfigError(`The task API's configuration is invalid:\n${lines.join("\n")}`);
  }
  const env = parsed.data;
  const issuer = origin(env.BETTER_AUTH_URL);
  return {
    env: env.NODE_ENV,
    databaseUrl: env.DATABASE_URL,
    port: env.API_PORT,
    host: env.API_HOST,
    logLevel: env.LOG_LEVEL,
    issuer,
    audience: env.JWT_AUDIENCE ?? origin(env.NEXT_PUBLIC_API_URL),
    mcpResource: `${origin(env.NEXT_PUBLIC_API_URL)}/mcp`,
    jwtMode: env.JWT_MODE,
    jwksUrl: `${issuer}/api/auth/jwks`,
    secret: env.BETTER_AUTH_SECRET,
    corsOrigins: (env.CORS_ORIGINS ?? issuer)
      .split(",")
      .map((value) => value.trim())
      .filter(Boolean),
    redisUrl: env.REDIS_URL,
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    dbPoolMax: env.DB_POOL_MAX,
    headersTimeoutMs: env.API_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: env.API_REQUEST_TIMEOUT_MS,
    idleTimeoutMs: env.API_IDLE_TIMEOUT_MS,
    trustedProxies: (env.API_TRUSTED_PROXIES ?? "")
      .split(",")
      .map((value) => value.trim())
      .filter(Boolean),
  };
}
