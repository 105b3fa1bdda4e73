// The bridge's configuration, read by both of its ends and by `npm start`: who issues tokens,
// for which audience, how they are signed and for how long. Each reader extends this one schema
// with its own variables (`authEnv({...})`), so the rules below exist once.
import { z } from "zod";
import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import { adjacencyGraphs, dictionary } from "@zxcvbn-ts/language-common";

const JWT_MODES = ["jwks", "hs256"] as const;
type JwtMode = (typeof JWT_MODES)[number];

/**
 * Token lifetimes, in seconds. The API refuses a token older than the lifetime it is configured
 * with, so both ends must read the same value; the bounds keep it one the API honours.
 */
export const TOKEN_LIFETIME = { default: 15 * 60, min: 5, max: 60 * 60 } as const;

const SECRET_MIN_LENGTH = 32;
/**
 * Least estimated guesses (log10, zxcvbn's estimate) for a secret that signs tokens others
 * verify. A run of digits, a repeated word or a keyboard walk scores under 6 however long it is;
 * a random `openssl rand -base64 32` scores far above. zxcvbn calls 10^10 "very unguessable"
 * for a password; a signing secret must stand up to offline guessing, so the bar is a million
 * times higher.
 */
const SECRET_MIN_GUESSES_LOG10 = 16;
const HOW_TO_MAKE_A_SECRET = "generate one with `openssl rand -base64 32`";

/** True when the secret is long but made of a pattern or words a guesser tries early. */
function isGuessableSecret(secret: string): boolean {
  let verdict = verdicts.get(secret);
  if (verdict === undefined) {
    strength ??= new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs });
    verdict = strength.check(secret).guessesLog10 < SECRET_MIN_GUESSES_LOG10;
    // A process reads one or two secrets; tests and tools parse the same one many times.
    if (verdicts.size < 16) verdicts.set(secret, verdict);
  }
  return verdict;
}
let strength: ZxcvbnFactory | undefined;
const verdicts = new Map<string, boolean>();

const origin = (value: string) => new URL(value).origin;

const port = (fallback: number) =>
  z.coerce
    .number({ message: "must be a port number" })
    .int("must be a port number")
    .min(0, "must be a port number")
    .max(65535, "must be a port number")
    .default(fallback);

const authEnvShape = {
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  /** The web app's public origin: the tokens' `iss`, and where the JWKS is published. */
  BETTER_AUTH_URL: z.url({ message: "must be a URL" }).default("http://localhost:3000"),
  BETTER_AUTH_SECRET: z.string().optional(),
  /** Where browsers call the API; its origin is the default audience. */
  NEXT_PUBLIC_API_URL: z.url({ message: "must be a URL" }).default("http://localhost:8000"),
  JWT_AUDIENCE: z.string().min(1).optional(),
  JWT_MODE: z.enum(JWT_MODES, { message: "must be jwks or hs256" }).default("jwks"),
  JWT_LIFETIME_SECONDS: z.coerce
    .number({ message: "must be a number of seconds" })
    .int("must be a whole number of seconds")
    .min(TOKEN_LIFETIME.min, `must be at least ${TOKEN_LIFETIME.min} seconds`)
    .max(
      TOKEN_LIFETIME.max,
      `must be at most ${TOKEN_LIFETIME.max} seconds: the task API refuses older tokens`,
    )
    .default(TOKEN_LIFETIME.default),
};

type AuthEnvInput = z.infer<z.ZodObject<typeof authEnvShape>>;

/** The fields the secret rules look at, as far as they parsed (other fields may have failed). */
const SecretFieldsSchema = z.object({
  BETTER_AUTH_SECRET: z.string().optional(),
  JWT_MODE: z.unknown(),
  NODE_ENV: z.unknown(),
});

export interface AuthEnvOptions {
  /**
   * When BETTER_AUTH_SECRET must be set: always (the web app signs sessions with it), in
   * production (`npm start`, which generates one for development otherwise), or in HS256 mode
   * (the API, which reads it for nothing else).
   */
  secretRequired: "always" | "production" | "hs256";
}

/** The secret rules, once for every reader; issues name the variable and how to fix it. */
function checkSecret(value: unknown, options: AuthEnvOptions, ctx: z.RefinementCtx): void {
  const fields = SecretFieldsSchema.safeParse(value);
  if (!fields.success) return;
  const env = fields.data;
  const secret = env.BETTER_AUTH_SECRET;
  const hs256 = env.JWT_MODE === "hs256";
  const production = env.NODE_ENV === "production";
  const path = ["BETTER_AUTH_SECRET"];
  if (secret === undefined || secret === "") {
    const why =
      options.secretRequired === "always"
        ? "is required"
        : options.secretRequired === "hs256" && hs256
          ? "is required when JWT_MODE=hs256"
          : options.secretRequired === "production" && production
            ? "is required when NODE_ENV=production"
            : undefined;
    if (why) {
      ctx.addIssue({
        code: "custom",
        path,
        message: `${why} (at least ${SECRET_MIN_LENGTH} characters; ${HOW_TO_MAKE_A_SECRET})`,
      });
    }
    return;
  }
  if (secret.length < SECRET_MIN_LENGTH) {
    ctx.addIssue({
      code: "custom",
      path,
      message: `must be at least ${SECRET_MIN_LENGTH} characters (${HOW_TO_MAKE_A_SECRET})`,
    });
    return;
  }
  // In HS256 mode anyone who guesses the secret can mint tokens for any user; in production it
  // also signs every session. Length alone does not make a secret: refuse one a guesser tries.
  if ((hs256 || production) && isGuessableSecret(secret)) {
    ctx.addIssue({
      code: "custom",
      path,
      message: `is too easy to guess${hs256 ? " for JWT_MODE=hs256, where it signs the tokens" : ""}; use random bytes (${HOW_TO_MAKE_A_SECRET})`,
    });
  }
}

/** What both ends of the bridge derive from the variables above. */
export interface BridgeSettings {
  env: "development" | "production" | "test";
  /** The web app's origin: the required `iss`. */
  issuer: string;
  /** The origin browsers call the API at. */
  apiUrl: string;
  /** The `aud` every token carries and the API requires. */
  audience: string;
  jwtMode: JwtMode;
  /** Where the web app publishes its public keys. */
  jwksUrl: string;
  secret: string | undefined;
  /** How long a token lives, and so the oldest token the API accepts. */
  jwtLifetimeSeconds: number;
}

export function bridgeSettings(env: AuthEnvInput): BridgeSettings {
  const issuer = origin(env.BETTER_AUTH_URL);
  const apiUrl = origin(env.NEXT_PUBLIC_API_URL);
  return {
    env: env.NODE_ENV,
    issuer,
    apiUrl,
    audience: env.JWT_AUDIENCE ?? apiUrl,
    jwtMode: env.JWT_MODE,
    jwksUrl: `${issuer}/api/auth/jwks`,
    secret: env.BETTER_AUTH_SECRET || undefined,
    jwtLifetimeSeconds: env.JWT_LIFETIME_SECONDS,
  };
}

/**
 * The bridge's schema extended with a reader's own variables (create-t3-turbo's `authEnv()`).
 * The secret rules run after every field has been read, so one start reports every problem.
 */
export function authEnv<Shape extends z.ZodRawShape>(shape: Shape, options: AuthEnvOptions) {
  return z
    .object({ ...authEnvShape, ...shape })
    .superRefine((env, ctx) => checkSecret(env, options, ctx), {
      // Also when another variable is wrong, so that one start names every problem.
      when: (payload) => typeof payload.value === "object" && payload.value !== null,
    });
}

/** Variables read by more than one part, with one spelling of their rules. */
export const sharedEnv = {
  port,
  databaseUrl: () => z.url({ message: "must be a PostgreSQL URL" }),
  poolMax: (fallback: number) => z.coerce.number().int().min(1).max(200).default(fallback),
  /**
   * The bearer token `/metrics` asks for; unset (or empty), `/metrics` answers 404 like any
   * unknown path. Long enough that it cannot be guessed by trying.
   */
  metricsToken: () =>
    z
      .string()
      .optional()
      .transform((value) => (value === "" ? undefined : value))
      .pipe(z.string().min(16, "must be at least 16 characters").optional()),
};

/** Every issue on its own line, named by its variable. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `  ${issue.path.join(".") || "(env)"}: ${issue.message}`)
    .join("\n");
}
