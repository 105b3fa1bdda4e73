import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { and, desc, eq, sql } from "drizzle-orm";
import type { Database } from "@taskbridge/db/client";
import { appPassword, user } from "@taskbridge/db/schema";

/** What an app password allows: everything the account may do, or reading only. */
export type AppPasswordScope = "read_write" | "read_only";

/** Every app password starts so, which tells it from a JWT at a glance. */
export const APP_PASSWORD_PREFIX = "tb_";

/** An app password as its owner sees it listed (never the password itself). */
export interface AppPasswordInfo {
  id: string;
  name: string;
  scope: AppPasswordScope;
  created_at: string;
  last_used_at: string | null;
}

/** Who an app password signs in, and with what scope. */
export interface AppPasswordIdentity {
  id: string;
  userId: string;
  email: string;
  name: string;
  scope: AppPasswordScope;
}

/** A new password: `tb_` and 192 random bits, base64url (URL- and header-safe). */
export const newAppPassword = () =>
  `${APP_PASSWORD_PREFIX}${randomBytes(24).toString("base64url")}`;

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest();
export const hashOf = (password: string) => sha256(password).toString("hex");

/** How often a password's `last_used_at` is written, at most. */
const LAST_USED_EVERY_MS = 60_000;

const toInfo = (row: typeof appPassword.$inferSelect): AppPasswordInfo => ({
  id: row.id,
  name: row.name,
  scope: row.scope,
  created_at: row.createdAt.toISOString(),
  last_used_at: row.lastUsedAt?.toISOString() ?? null,
});

/**
 * App passwords: made (the password is answered once and only its SHA-256 kept), listed,
 * revoked, and checked. A check looks the password up by its hash, so it takes the same time
 * whether or not the user name given with it belongs to anyone.
 */
export class AppPasswordRepository {
  constructor(private readonly db: Database) {}

  async list(userId: string): Promise<AppPasswordInfo[]> {
    const rows = await this.db
      .select()
      .from(appPassword)
      .where(eq(appPassword.userId, userId))
      .orderBy(desc(appPassword.createdAt), desc(appPassword.id));
    return rows.map(toInfo);
  }

  async create(
    userId: string,
    name: string,
    scope: AppPasswordScope,
  ): Promise<AppPasswordInfo & { password: string }> {
    const password = newAppPassword();
    const [row] = await this.db
      .insert(appPassword)
      .values({ userId, name, scope, secretHash: hashOf(password) })
      .returning();
    if (!row) throw new Error("insert returned no row");
    return { ...toInfo(row), password };
  }

  /** Revokes one of the caller's app passwords; answers whether there was one. */
  async revoke(userId: string, id: string): Promise<boolean> {
    const removed = await this.db
      .delete(appPassword)
      .where(and(eq(appPassword.id, id), eq(appPassword.userId, userId)))
      .returning({ id: appPassword.id });
    return removed.length > 0;
  }

  /**
   * Who `password` signs in, or null. With `email` (HTTP Basic's user name), it must be that
   * account's, compared case-insensitively and in constant time.
   */
  async check(password: string, email?: string): Promise<AppPasswordIdentity | null> {
    if (!password.startsWith(APP_PASSWORD_PREFIX) || password.length > 200) return null;
    const [row] = await this.db
      .select({
        id: appPassword.id,
        userId: appPassword.userId,
        scope: appPassword.scope,
        lastUsedAt: appPassword.lastUsedAt,
        email: user.email,
        name: user.name,
      })
      .from(appPassword)
      .innerJoin(user, eq(user.id, appPassword.userId))
      .where(eq(appPassword.secretHash, hashOf(password)));
    if (!row) return null;
    if (email !== undefined) {
      const given = sha256(email.trim().toLowerCase());
      const owner = sha256(row.email.toLowerCase());
      if (!timingSafeEqual(given, owner)) return null;
    }
    if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > LAST_USED_EVERY_MS)
      void this.db
        .update(appPassword)
        .set({ lastUsedAt: sql`now()` })
        .where(eq(appPassword.id, row.id))
        .catch(() => undefined);
    return { id: row.id, userId: row.userId, email: row.email, name: row.name, scope: row.scope };
  }
}
