// An assistant connected over MCP, as the web app's OAuth provider leaves one: a registered
// client, the user's consent, and an access token for the `/mcp` resource.
import { randomBytes } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { oauthClient, oauthConsent } from "@taskbridge/db/schema";
import type { TestApp } from "./app.ts";
import { TEST_AUDIENCE, type TestIssuer } from "./issuer.ts";

export const MCP_RESOURCE = `${TEST_AUDIENCE}/mcp`;

/** A new user who connected an assistant with `scope`; its token is for `/mcp`. */
export async function connectedUser(
  app: TestApp,
  issuer: TestIssuer,
  scope = "tasks:read tasks:write offline_access",
) {
  const userId = await app.createUser();
  const clientId = `client-${randomBytes(6).toString("hex")}`;
  await app.db.insert(oauthClient).values({
    id: randomBytes(8).toString("hex"),
    clientId,
    redirectUris: ["http://127.0.0.1:9/callback"],
    name: "Test assistant",
  });
  await app.db.insert(oauthConsent).values({
    id: randomBytes(8).toString("hex"),
    clientId,
    userId,
    scopes: scope.split(" "),
    createdAt: new Date(),
    updatedAt: new Date(),
  });
  const token = await issuer.sign(userId, {
    claims: { aud: MCP_RESOURCE, scope, azp: clientId, email: undefined, name: undefined },
    header: { typ: "at+jwt" },
  });
  return { userId, clientId, token };
}

/** An MCP SDK client connected to the API at `origin` with `token`. */
export async function connectMcp(origin: string, token: string): Promise<Client> {
  const client = new Client({ name: "test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${origin}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}
