import { and, eq } from "drizzle-orm";
import type { Database } from "@taskbridge/db/client";
import { oauthAccessToken, oauthConsent, oauthRefreshToken } from "@taskbridge/db/schema";

/**
 * Ends a connected app's access for one person: its grant (consent), the refresh tokens it holds
 * and its stored access tokens, in one transaction. Deleting the grant records a revocation of
 * the app's tokens for that person (a trigger of migration 0007), which every API copy learns at
 * commit, so its signed access tokens are refused from then on rather than at their `exp`.
 */
export async function revokeClientGrant(
  db: Database,
  userId: string,
  clientId: string,
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .delete(oauthAccessToken)
      .where(and(eq(oauthAccessToken.userId, userId), eq(oauthAccessToken.clientId, clientId)));
    await tx
      .delete(oauthRefreshToken)
      .where(and(eq(oauthRefreshToken.userId, userId), eq(oauthRefreshToken.clientId, clientId)));
    await tx
      .delete(oauthConsent)
      .where(and(eq(oauthConsent.userId, userId), eq(oauthConsent.clientId, clientId)));
  });
}
