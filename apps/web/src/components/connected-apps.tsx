import { desc, eq } from "drizzle-orm";
import { oauthClient, oauthConsent } from "@taskbridge/db/schema";
import { SCOPE_DESCRIPTIONS } from "@/auth/oauth-query";
import { RevokeAppButton } from "@/components/revoke-app-button";
import { Card } from "@/components/ui/card";
import { getDb } from "@/db";

const formatter = new Intl.DateTimeFormat("en", {
  dateStyle: "medium",
  timeStyle: "short",
  timeZone: "UTC",
});

/** The AI assistants and other apps this person allowed, each with a way to end it. */
export async function ConnectedApps({ userId }: { userId: string }) {
  const apps = await getDb()
    .select({
      clientId: oauthConsent.clientId,
      scopes: oauthConsent.scopes,
      lastUsedAt: oauthConsent.lastUsedAt,
      grantedAt: oauthConsent.createdAt,
      name: oauthClient.name,
    })
    .from(oauthConsent)
    .innerJoin(oauthClient, eq(oauthClient.clientId, oauthConsent.clientId))
    .where(eq(oauthConsent.userId, userId))
    .orderBy(desc(oauthConsent.createdAt));

  return (
    <Card aria-labelledby="apps-heading">
      <h2 id="apps-heading" className="mb-3 font-semibold">
        Connected apps
      </h2>
      {apps.length === 0 ? (
        <p className="text-sm text-muted-foreground">
          No apps are connected. AI assistants you connect to Taskbridge show up here.
        </p>
      ) : (
        <ul className="grid gap-3" aria-label="Connected apps">
          {apps.map((app) => {
            const name = app.name?.trim() || "Unnamed app";
            return (
              <li
                key={app.clientId}
                aria-label={name}
                className="flex flex-wrap items-start justify-between gap-3 rounded-md border p-3"
              >
                <div className="grid gap-1 text-sm">
                  <span className="font-medium">{name}</span>
                  <span className="text-muted-foreground">
                    {app.scopes
                      .map((scope) => SCOPE_DESCRIPTIONS[scope])
                      .filter(Boolean)
                      .join(" · ")}
                  </span>
                  <span className="text-muted-foreground">
                    {app.lastUsedAt ? (
                      <>
                        Last used{" "}
                        <time dateTime={app.lastUsedAt.toISOString()}>
                          {formatter.format(app.lastUsedAt)} UTC
                        </time>
                      </>
                    ) : (
                      "Not used yet"
                    )}
                  </span>
                </div>
                <RevokeAppButton clientId={app.clientId} name={name} />
              </li>
            );
          })}
        </ul>
      )}
    </Card>
  );
}
