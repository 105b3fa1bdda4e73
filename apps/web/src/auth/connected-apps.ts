"use server";
import { revalidatePath } from "next/cache";
import { headers } from "next/headers";
import { clientAddressOf, requestIdOf } from "@taskbridge/auth/events";
import { z } from "zod";
import { revokeClientGrant } from "@taskbridge/auth/grants";
import { getDb } from "../db.ts";
import { authEvents, getAuth } from "./server.ts";
import { getSession } from "./session.ts";

const ClientId = z.string().min(1).max(200);

/**
 * Ends an app's access: its grant (the task API refuses its tokens within seconds, on every
 * copy) and every refresh token it holds for this person.
 */
export async function revokeConnectedApp(clientId: unknown): Promise<{ ok: boolean }> {
  const session = await getSession();
  const parsed = ClientId.safeParse(clientId);
  if (!session || !parsed.success) return { ok: false };
  const userId = session.user.id;
  // The task API refuses the app's tokens within seconds (a revocation every copy hears).
  await revokeClientGrant(getDb(), userId, parsed.data);
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
