import "server-only";
import { z } from "zod";
import { authEnv, bridgeSettings, describeIssues, sharedEnv } from "@taskbridge/auth/env";
import { parseTrustedProxies } from "@taskbridge/auth/client-address";

const WebEnvSchema = authEnv(
  {
    DATABASE_URL: sharedEnv.databaseUrl(),
    /** Proxies in front of the web app (addresses or CIDR ranges), comma-separated. */
    TRUSTED_PROXIES: z.string().optional(),
    DB_POOL_MAX: sharedEnv.poolMax(10),
    METRICS_TOKEN: sharedEnv.metricsToken(),
  },
  // Better Auth signs sessions with it in every mode.
  { secretRequired: "always" },
).transform((env, ctx) => {
  const bridge = bridgeSettings(env);
  if (bridge.secret === undefined) {
    // Reported by the schema's secret rule already; this only tells the type checker.
    ctx.addIssue({ code: "custom", path: ["BETTER_AUTH_SECRET"], message: "is required" });
    return z.NEVER;
  }
  return {
    ...bridge,
    secret: bridge.secret,
    /** The web app's origin (Better Auth's base URL, the tokens' issuer). */
    baseUrl: bridge.issuer,
    databaseUrl: env.DATABASE_URL,
    /** Proxies whose X-Forwarded-For entries are skipped to find the client's address. */
    trustedProxies: parseTrustedProxies(env.TRUSTED_PROXIES),
    dbPoolMax: env.DB_POOL_MAX,
    /** What `/metrics` asks for as a bearer token; undefined: no `/metrics` at all. */
    metricsToken: env.METRICS_TOKEN,
  };
});

/** The web app's configuration: what the schema above makes of the environment. */
export type WebConfig = z.output<typeof WebEnvSchema>;

function load(): WebConfig {
  const parsed = WebEnvSchema.safeParse(process.env);
  if (!parsed.success) {
    throw new Error(`The web app's configuration is invalid:\n${describeIssues(parsed.error)}`);
  }
  return parsed.data;
}

let cached: WebConfig | undefined;

/** The validated configuration, read once per process (lazily, so `next build` needs none). */
export function getConfig(): WebConfig {
  cached ??= load();
  return cached;
}
