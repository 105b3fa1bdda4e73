// The API's configuration for tests, made the way a start makes it: by parsing variables.
import { loadConfig, type ApiConfig } from "../../src/env.ts";
import { TEST_AUDIENCE, TEST_SECRET } from "./issuer.ts";

/** Environment variables as a start reads them. */
export type TestEnv = Record<string, string | undefined>;

/** A configuration parsed from test defaults and `env`, through the API's own schema. */
export function testConfig(env: TestEnv = {}): ApiConfig {
  return loadConfig({
    NODE_ENV: "test",
    DATABASE_URL: "postgres://unused@127.0.0.1/unused",
    API_PORT: "0",
    LOG_LEVEL: "silent",
    BETTER_AUTH_URL: "http://127.0.0.1:3000",
    JWT_AUDIENCE: TEST_AUDIENCE,
    BETTER_AUTH_SECRET: TEST_SECRET,
    RATE_LIMIT_PER_MINUTE: "100000",
    RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: "100000",
    DB_POOL_MAX: "10",
    ...env,
  });
}
