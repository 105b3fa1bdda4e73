/** Why a token was refused. `reason` goes to the log; clients see only `publicDetail`. */
export class TokenError extends Error {
  constructor(
    readonly reason: string,
    readonly publicDetail = "Invalid token",
  ) {
    super(reason);
    this.name = "TokenError";
  }
}

/** The verifier cannot judge any token yet (keys not loaded): a 503, not the client's fault. */
export class KeysUnavailableError extends Error {
  override name = "KeysUnavailableError";
}

/** The revoked tokens have not been read yet (start, database unreachable): a 503 as well. */
export class RevocationsUnavailableError extends Error {
  override name = "RevocationsUnavailableError";
}
