import { tokenFromBody } from "@taskbridge/auth/token-body";

/**
 * Reads `iat` and `exp` of a token this tab just received from its own server, to know when to
 * renew it. Not a verification (the API verifies); a JWT library would double this bundle part.
 */
function tokenTimes(token: string): { iat: number; exp: number } {
  const payload = token.split(".")[1];
  if (!payload) throw new Error("Malformed token");
  const json: unknown = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/")));
  if (
    typeof json !== "object" ||
    json === null ||
    !("exp" in json) ||
    typeof json.exp !== "number"
  ) {
    throw new Error("The token has no expiry");
  }
  const iat = "iat" in json && typeof json.iat === "number" ? json.iat : json.exp - 60;
  return { iat, exp: json.exp };
}

export type TokenFetcher = () => Promise<string | null>;

/** Fetches a JWT for the signed-in user from Better Auth, or null when there is no session. */
const fetchTokenFromBetterAuth: TokenFetcher = async () => {
  const response = await fetch("/api/auth/token", {
    credentials: "same-origin",
    cache: "no-store",
  });
  if (response.status === 401) return null;
  if (!response.ok) throw new Error(`Could not get a token (${response.status})`);
  const token = tokenFromBody(await response.json());
  if (token === undefined) throw new Error("The token endpoint answered without a token");
  return token;
};

export class SignedOutError extends Error {
  override name = "SignedOutError";
}

/**
 * Keeps the API token in memory only (never in storage scripts could read), renews it shortly
 * before it expires, and shares one renewal among concurrent callers.
 */
export class TokenManager {
  private token: string | null = null;
  private expiresAt = 0;
  private renewAt = 0;
  private pending: Promise<string> | null = null;

  constructor(
    private readonly fetchToken: TokenFetcher = fetchTokenFromBetterAuth,
    private readonly now: () => number = Date.now,
  ) {}

  /** A token valid for a while yet; renews when due. Throws SignedOutError without a session. */
  async getToken(): Promise<string> {
    if (this.token && this.now() < this.renewAt) return this.token;
    return this.renew();
  }

  /** Forgets the held token and fetches a new one (after the API refused the old one). */
  renew(): Promise<string> {
    this.pending ??= this.fetchToken()
      .then((token) => {
        if (!token) throw new SignedOutError("Your session has ended; sign in again.");
        const { exp, iat } = tokenTimes(token);
        const expiresAt = exp * 1000;
        const lifetime = expiresAt - iat * 1000;
        // Renew a minute early, or a quarter of the lifetime for short-lived tokens.
        this.token = token;
        this.expiresAt = expiresAt;
        this.renewAt = expiresAt - Math.min(60_000, lifetime / 4);
        return token;
      })
      .finally(() => {
        this.pending = null;
      });
    return this.pending;
  }

  clear(): void {
    this.token = null;
    this.expiresAt = 0;
    this.renewAt = 0;
  }

  get heldUntil(): number {
    return this.expiresAt;
  }
}
