import type { Metadata } from "next";
import { eq } from "drizzle-orm";
import { redirect } from "next/navigation";
import { oauthClient } from "@taskbridge/db/schema";
import { getSession } from "@/auth/session";
import { SCOPE_DESCRIPTIONS, searchParamsOf } from "@/auth/oauth-query";
import { ConsentButtons } from "@/components/consent-buttons";
import { Card } from "@/components/ui/card";
import { getDb } from "@/db";

export const metadata: Metadata = { title: "Allow access" };
export const dynamic = "force-dynamic";

function callbackHost(redirectUri: string | null): string | null {
  try {
    return redirectUri ? new URL(redirectUri).host : null;
  } catch {
    return null;
  }
}

/** Where the authorization server asks the signed-in person whether an assistant may act. */
export default async function ConsentPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const query = searchParamsOf(await searchParams);
  const session = await getSession();
  if (!session)
    redirect(`/sign-in?next=${encodeURIComponent(`/oauth/consent?${query.toString()}`)}`);

  const clientId = query.get("client_id") ?? "";
  const [client] = clientId
    ? await getDb()
        .select({ name: oauthClient.name, uri: oauthClient.uri })
        .from(oauthClient)
        .where(eq(oauthClient.clientId, clientId))
        .limit(1)
    : [];
  if (!client) {
    return (
      <Card>
        <h1 className="text-xl font-semibold">This request is not valid</h1>
        <p className="mt-2 text-sm text-muted-foreground">
          The app that sent you here is not known. Start again from the app.
        </p>
      </Card>
    );
  }
  const name = client.name?.trim() || "An app";
  const scopes = (query.get("scope") ?? "")
    .split(" ")
    .filter((scope) => scope in SCOPE_DESCRIPTIONS);
  const host = callbackHost(query.get("redirect_uri"));

  return (
    <Card aria-labelledby="consent-heading" className="grid gap-4">
      <div className="grid gap-1">
        <h1 id="consent-heading" className="text-xl font-semibold tracking-tight">
          Allow {name} to use your tasks?
        </h1>
        <p className="text-sm text-muted-foreground">
          Signed in as {session.user.email}.
          {host ? ` After you answer, you go back to ${host}.` : ""}
        </p>
      </div>
      <div className="grid gap-2">
        <h2 className="text-sm font-medium">{name} will be able to:</h2>
        <ul className="list-disc pl-5 text-sm">
          {scopes.map((scope) => (
            <li key={scope}>{SCOPE_DESCRIPTIONS[scope]}</li>
          ))}
        </ul>
      </div>
      <p className="text-sm text-muted-foreground">
        You can revoke this at any time under Account, Connected apps.
      </p>
      <ConsentButtons />
    </Card>
  );
}
