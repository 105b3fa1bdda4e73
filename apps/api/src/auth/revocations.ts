import pg from "pg";
import { z } from "zod";
import { RevocationsUnavailableError, TokenError } from "./errors.ts";

/** A revocation was recorded (trigger of migration 0007): `{ kind, user_id, subject, revoked_at }`. */
export const REVOCATION_CHANNEL = "token_revocations";

/** The name this process's LISTEN connection carries in `pg_stat_activity`. */
export const REVOCATION_CONNECTION_NAME = "taskbridge-revocations";

const KindSchema = z.enum(["session", "user", "client", "app_password"]);

/**
 * The session of a caller signed in with an app password: `app-password:<its id>`, so that its
 * revocation (kind `app_password`) reaches what a session's does.
 */
export const APP_PASSWORD_SESSION = "app-password:";

/**
 * Tokens that no longer vouch for anyone:
 * - `session`: every token whose `sid` is `subject`;
 * - `user`: every token of `userId` issued up to `revokedAt`;
 * - `client`: every token of `userId` for the OAuth client `subject` issued up to `revokedAt`;
 * - `app_password`: every request signed in with the app password whose id is `subject`.
 */
export interface Revocation {
  kind: z.infer<typeof KindSchema>;
  userId: string;
  subject: string;
  /** Milliseconds since the epoch, by the database's clock. */
  revokedAt: number;
}

const NotificationSchema = z.object({
  kind: KindSchema,
  user_id: z.string(),
  subject: z.string(),
  revoked_at: z.number(),
});

/** What a verified token says that a revocation can be about. `AuthUser` is one. */
export interface TokenIdentity {
  /** `sub`. */
  id: string;
  /** `sid`: the session it was issued for, when it says. */
  sessionId: string | null;
  /** `azp`: the OAuth client it was issued to, when there is one. */
  clientId: string | null;
  /** `iat`, in seconds since the epoch. */
  issuedAt: number;
}

/** Why a token is refused: `reason` for the log, `detail` for the client. */
export interface Refusal {
  reason: string;
  detail: string;
}

const SESSION_ENDED: Refusal = { reason: "revoked: session", detail: "This session has ended" };
const APP_PASSWORD_REVOKED: Refusal = {
  reason: "revoked: app password",
  detail: "This app password was revoked",
};
// The same words a route uses for a token of a user that is gone (account deletion).
const USER_GONE: Refusal = { reason: "revoked: user", detail: "User no longer exists" };
const APP_REVOKED: Refusal = {
  reason: "revoked: client",
  detail: "This app's access was revoked",
};

interface RevocationLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface RevocationSetOptions {
  databaseUrl: string;
  /**
   * How long a revocation matters: the longest lifetime of any token it could refuse, plus the
   * clock skew allowed. Older rows are dropped, here and in the database.
   */
  retentionMs: number;
  log: RevocationLog;
  /** First wait before reconnecting a lost LISTEN connection; doubles up to `maxRetryMs`. */
  minRetryMs?: number;
  maxRetryMs?: number;
  /** How often old revocations are dropped. */
  pruneEveryMs?: number;
  now?: () => number;
}

/** `undefined`: the whole set was read again (after a (re)connect); check everything. */
export type RevocationListener = (revocation: Revocation | undefined) => void;

/** A key for a person's grant to one client. */
function clientKey(userId: string, clientId: string): string {
  return `${userId}\u0000${clientId}`;
}

/** Keeps `map[key]` at the latest of the times it is given. */
function keepLatest(map: Map<string, number>, key: string, at: number): void {
  const known = map.get(key);
  if (known === undefined || known < at) map.set(key, at);
}

/**
 * The revocations of this process: every recent row of `token_revocation`, read when the API
 * starts and again after every reconnect (a notification sent while no connection listened is
 * lost), and kept current by LISTEN on a connection of its own. The request path asks it one
 * question, in memory: is this token revoked? Revocations only ever add, so whatever order rows
 * and notifications arrive in, the set ends the same.
 */
export class RevocationSet {
  private readonly sessions = new Map<string, number>();
  private readonly users = new Map<string, number>();
  private readonly clients = new Map<string, number>();
  private readonly listeners = new Set<RevocationListener>();
  private client: pg.Client | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private retryMs: number;
  private readonly minRetryMs: number;
  private readonly maxRetryMs: number;
  private readonly now: () => number;
  private isLoaded = false;
  private isListening = false;

  constructor(private readonly options: RevocationSetOptions) {
    this.minRetryMs = options.minRetryMs ?? 250;
    this.maxRetryMs = options.maxRetryMs ?? 5000;
    this.retryMs = this.minRetryMs;
    this.now = options.now ?? Date.now;
  }

  /** True once the set has been read from the database: before that no token can be judged. */
  get loaded(): boolean {
    return this.isLoaded;
  }

  /** True while the LISTEN connection is up. */
  get listening(): boolean {
    return this.isListening;
  }

  /** How many revocations are held (sessions, users and grants). */
  get size(): number {
    return this.sessions.size + this.users.size + this.clients.size;
  }

  /**
   * Why `token` is refused, or undefined if no revocation concerns it. Throws while the set has
   * not been read yet: a token cannot be known good before then.
   */
  refusal(token: TokenIdentity): Refusal | undefined {
    if (!this.isLoaded) throw new RevocationsUnavailableError("revocations not loaded yet");
    return this.refusalOf(token);
  }

  /** Throws the TokenError a revoked token gets (and RevocationsUnavailableError before loading). */
  check(token: TokenIdentity): void {
    const refusal = this.refusal(token);
    if (refusal) throw new TokenError(refusal.reason, refusal.detail);
  }

  /** Like `refusal`, but answers undefined rather than throwing before the set is loaded. */
  refusalOf(token: TokenIdentity): Refusal | undefined {
    if (token.sessionId !== null && this.sessions.has(token.sessionId))
      return token.sessionId.startsWith(APP_PASSWORD_SESSION)
        ? APP_PASSWORD_REVOKED
        : SESSION_ENDED;
    // A token issued in the second of the revocation is refused too: `iat` has whole seconds.
    const issuedAtMs = token.issuedAt * 1000;
    const user = this.users.get(token.id);
    if (user !== undefined && issuedAtMs <= user) return USER_GONE;
    if (token.clientId !== null) {
      const client = this.clients.get(clientKey(token.id, token.clientId));
      if (client !== undefined && issuedAtMs <= client) return APP_REVOKED;
    }
    return undefined;
  }

  /**
   * Calls `listener` with each revocation as it arrives, and with `undefined` after every read
   * of the whole set; returns the unsubscribe function.
   */
  onRevoke(listener: RevocationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Connects, listens and reads the set; on failure retries in the background (never throws). */
  async start(): Promise<void> {
    if (this.stopped || this.client) return;
    if (!this.pruneTimer) {
      this.pruneTimer = setInterval(() => this.prune(), this.options.pruneEveryMs ?? 60_000);
      this.pruneTimer.unref();
    }
    const client = new pg.Client({
      connectionString: this.options.databaseUrl,
      application_name: REVOCATION_CONNECTION_NAME,
      connectionTimeoutMillis: 5000,
    });
    client.on("notification", (message) => {
      if (message.channel === REVOCATION_CHANNEL) this.receive(message.payload);
    });
    client.on("error", () => this.lost(client));
    client.on("end", () => this.lost(client));
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${REVOCATION_CHANNEL}`);
      // Listening first, reading second: a revocation committed meanwhile is in the read or in
      // a notification, or both, and adding one twice changes nothing.
      const { rows } = await client.query<{
        kind: string;
        user_id: string;
        subject: string;
        revoked_at: string;
      }>(
        `select kind, user_id, subject, (extract(epoch from revoked_at) * 1000)::bigint as revoked_at
         from token_revocation where revoked_at > now() - make_interval(secs => $1)`,
        [this.options.retentionMs / 1000],
      );
      if (this.client !== client) return;
      for (const row of rows) {
        const kind = KindSchema.safeParse(row.kind);
        if (kind.success)
          this.add({
            kind: kind.data,
            userId: row.user_id,
            subject: row.subject,
            revokedAt: Number(row.revoked_at),
          });
      }
      this.isLoaded = true;
      this.isListening = true;
      this.retryMs = this.minRetryMs;
      this.options.log.info({ revocations: this.size }, "listening for token revocations");
      for (const listener of this.listeners) listener(undefined);
    } catch (error) {
      if (this.stopped) return;
      this.options.log.warn(
        { error: error instanceof Error ? error.message : String(error) },
        "could not listen for token revocations; retrying",
      );
      this.lost(client);
    }
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    const wasListening = this.isListening;
    this.isListening = false;
    client.end().catch(() => undefined);
    if (this.stopped) return;
    if (wasListening)
      this.options.log.warn({}, "lost the token-revocation connection; reconnecting");
    if (this.retryTimer) return;
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, this.maxRetryMs);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.start();
    }, wait);
  }

  private receive(payload: string | undefined): void {
    let raw: unknown;
    try {
      raw = JSON.parse(payload ?? "");
    } catch {
      return;
    }
    const parsed = NotificationSchema.safeParse(raw);
    if (!parsed.success) return;
    const revocation: Revocation = {
      kind: parsed.data.kind,
      userId: parsed.data.user_id,
      subject: parsed.data.subject,
      revokedAt: parsed.data.revoked_at,
    };
    this.add(revocation);
    for (const listener of this.listeners) listener(revocation);
  }

  /** Adds a revocation (tests and the notification path). */
  add(revocation: Revocation): void {
    if (revocation.kind === "session")
      keepLatest(this.sessions, revocation.subject, revocation.revokedAt);
    else if (revocation.kind === "app_password")
      keepLatest(
        this.sessions,
        `${APP_PASSWORD_SESSION}${revocation.subject}`,
        revocation.revokedAt,
      );
    else if (revocation.kind === "user")
      keepLatest(this.users, revocation.userId, revocation.revokedAt);
    else
      keepLatest(
        this.clients,
        clientKey(revocation.userId, revocation.subject),
        revocation.revokedAt,
      );
  }

  /**
   * Drops revocations older than any token they could refuse, here and (rows) in the database;
   * every copy does it, and deleting what another copy deleted is nothing.
   */
  prune(): void {
    const oldest = this.now() - this.options.retentionMs;
    for (const map of [this.sessions, this.users, this.clients]) {
      for (const [key, at] of map) if (at < oldest) map.delete(key);
    }
    if (this.isListening)
      this.client
        ?.query(
          "delete from token_revocation where revoked_at < now() - make_interval(secs => $1)",
          [this.options.retentionMs / 1000],
        )
        .catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pruneTimer);
    const client = this.client;
    this.client = undefined;
    this.isListening = false;
    await client?.end().catch(() => undefined);
  }
}
