"use server";
import { and, eq } from "drizzle-orm";
import { revalidatePath } from "next/cache";
import { headers } from "next/headers";
import { clientAddressOf, requestIdOf } from "@taskbridge/auth/events";
import { z } from "zod";
import { oauthAccessToken, oauthConsent, oauthRefreshToken } from "@taskbridge/db/schema";
import { getDb } from "../db.ts";
import { authEvents, getAuth } from "./server.ts";
import { getSession } from "./session.ts";

const ClientId = z.string().min(1).max(200);

/**
 * Ends an app's access: its grant (the task API refuses its tokens from the next call) and
 * every refresh token it holds for this person.
 */
export async function revokeConnectedApp(clientId: unknown): Promise<{ ok: boolean }> {
  const session = await getSession();
  const parsed = ClientId.safeParse(clientId);
  if (!session || !parsed.success) return { ok: false };
  const userId = session.user.id;
  await getDb().transaction(async (tx) => {
    await tx
      .delete(oauthAccessToken)
      .where(and(eq(oauthAccessToken.userId, userId), eq(oauthAccessToken.clientId, parsed.data)));
    await tx
      .delete(oauthRefreshToken)
      .where(
        and(eq(oauthRefreshToken.userId, userId), eq(oauthRefreshToken.clientId, parsed.data)),
      );
    await tx
      .delete(oauthConsent)
      .where(and(eq(oauthConsent.userId, userId), eq(oauthConsent.clientId, parsed.data)));
  });
  const sent = await headers();
  authEvents({
    event: "app-revoked",
    userId,
    clientId: parsed.data,
    ip: clientAddressOf(sent, getAuth().options),
    requestId: requestIdOf(sent),
  });
  revalidatePath("/account");
  return { ok: true };
}
