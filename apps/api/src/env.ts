import { z } from "zod";
import { authEnv, bridgeSettings, describeIssues, sharedEnv } from "@taskbridge/auth/env";
import { drainEnv } from "@taskbridge/shared/drain";

const ApiEnvSchema = authEnv(
  {
    DATABASE_URL: sharedEnv.databaseUrl(),
    API_PORT: sharedEnv.port(8000),
    API_HOST: z.string().min(1).default("127.0.0.1"),
    CORS_ORIGINS: z.string().optional(),
    REDIS_URL: z.url().optional(),
    LOG_LEVEL: z
      .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
      .default("info"),
    RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
    /** Requests one address may send in a minute that are refused for their token (401). */
    RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: z.coerce.number().int().min(1).default(300),
    DB_POOL_MAX: sharedEnv.poolMax(20),
    /**
     * Least time between two JWKS fetches caused by unknown key ids, so that made-up key ids
     * cannot flood the web app; a rotated key is picked up at most this late.
     */
    JWKS_COOLDOWN_MS: z.coerce.number().int().min(0).max(600_000).default(5000),
    API_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
    API_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(20_000),
    API_IDLE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
    API_TRUSTED_PROXIES: z.string().optional(),
    METRICS_TOKEN: sharedEnv.metricsToken(),
    /** Memory for the default task list pages kept to be sent again unchanged; 0 keeps none. */
    API_PAGE_CACHE_MB: z.coerce.number().int().min(0).max(4096).default(16),
    ...drainEnv,
  },
  { secretRequired: "hs256" },
)
  .superRefine((env, ctx) => {
    if (env.API_HEADERS_TIMEOUT_MS > env.API_REQUEST_TIMEOUT_MS) {
      ctx.addIssue({
        code: "custom",
        path: ["API_HEADERS_TIMEOUT_MS"],
        message: "must not be longer than API_REQUEST_TIMEOUT_MS",
      });
    }
  })
  .transform((env) => {
    const bridge = bridgeSettings(env);
    return {
      ...bridge,
      /** The MCP endpoint as an OAuth resource: the `aud` of assistants' tokens. */
      mcpResource: `${bridge.apiUrl}/mcp`,
      databaseUrl: env.DATABASE_URL,
      port: env.API_PORT,
      host: env.API_HOST,
      logLevel: env.LOG_LEVEL,
      corsOrigins: (env.CORS_ORIGINS ?? bridge.issuer)
        .split(",")
        .map((value) => value.trim())
        .filter(Boolean),
      redisUrl: env.REDIS_URL,
      rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
      rateLimitUnauthenticatedPerMinute: env.RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE,
      dbPoolMax: env.DB_POOL_MAX,
      jwksCooldownMs: env.JWKS_COOLDOWN_MS,
      /** Longest a client may take to send a request's headers (a slow or partial request line). */
      headersTimeoutMs: env.API_HEADERS_TIMEOUT_MS,
      /** Longest a client may take to send a whole request, body included (a trickled body). */
      requestTimeoutMs: env.API_REQUEST_TIMEOUT_MS,
      /** A connection with nothing sent either way for this long is closed. */
      idleTimeoutMs: env.API_IDLE_TIMEOUT_MS,
      /**
       * Addresses or CIDR ranges of proxies whose `X-Forwarded-For` is believed; empty: the
       * client's address is the socket's and the header is ignored.
       */
      trustedProxies: (env.API_TRUSTED_PROXIES ?? "")
        .split(",")
        .map((value) => value.trim())
        .filter(Boolean),
      /** What `/metrics` asks for as a bearer token; undefined: no `/metrics` at all. */
      metricsToken: env.METRICS_TOKEN,
      /** Bytes of default task list pages kept per copy (lib/page-cache.ts); 0: none. */
      pageCacheBytes: env.API_PAGE_CACHE_MB * 1024 * 1024,
      /** On SIGTERM: how long readiness says 503 before the listener closes, and the bound. */
      drain: {
        delayMs: Math.min(env.DRAIN_DELAY_MS, env.DRAIN_TIMEOUT_MS),
        timeoutMs: env.DRAIN_TIMEOUT_MS,
      },
    };
  });

/** The API's configuration: what the schema above makes of the environment. */
export type ApiConfig = z.output<typeof ApiEnvSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Reads and validates the API's environment, naming every variable that is missing or wrong. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): ApiConfig {
  const parsed = ApiEnvSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(
      `The task API's configuration is invalid:\n${describeIssues(parsed.error)}`,
    );
  }
  return parsed.data;
}
