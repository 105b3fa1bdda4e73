import { oauthProvider } from "@better-auth/oauth-provider";
import type { BetterAuthPlugin } from "better-auth";
import { createAuthMiddleware } from "better-auth/api";
import { z } from "zod";

/** What an AI assistant may be allowed to do; `offline_access` lets it keep a refresh token. */
export const MCP_SCOPES = ["tasks:read", "tasks:write"] as const;
const SCOPES = ["offline_access", ...MCP_SCOPES];

export const OAUTH_LOGIN_PAGE = "/oauth/sign-in";
export const OAUTH_CONSENT_PAGE = "/oauth/consent";

/** Access tokens for assistants live as long as the web app's own API tokens. */
const ACCESS_TOKEN_SECONDS = 15 * 60;

const RegistrationBody = z.looseObject({
  redirect_uris: z.array(z.string()).min(1),
  application_type: z.string().optional(),
});

function isLoopbackHttp(uri: string): boolean {
  try {
    const url = new URL(uri);
    return (
      url.protocol === "http:" &&
      (url.hostname === "127.0.0.1" || url.hostname === "localhost" || url.hostname === "[::1]")
    );
  } catch {
    return false;
  }
}

/**
 * Desktop MCP clients register `http://127.0.0.1:<port>/callback` without saying they are
 * native apps; the provider would treat them as web clients and refuse the loopback redirect.
 */
const loopbackClientsAreNative = {
  id: "taskbridge-oauth-native-loopback",
  hooks: {
    before: [
      {
        matcher: (ctx: { path?: string }) => ctx.path === "/oauth2/register",
        handler: createAuthMiddleware(async (ctx) => {
          const body = RegistrationBody.safeParse(ctx.body);
          if (!body.success || body.data.application_type !== undefined) return;
          if (!body.data.redirect_uris.every(isLoopbackHttp)) return;
          return { context: { body: { ...body.data, application_type: "native" } } };
        }),
      },
    ],
  },
} satisfies BetterAuthPlugin;

/**
 * Better Auth as an OAuth 2.1 authorization server for AI assistants (MCP clients): dynamic
 * registration of public clients, authorization code with PKCE (S256), rotating refresh
 * tokens, and JWT access tokens signed by the jwt plugin's keys for the API's `/mcp` resource.
 */
export function oauthPlugins(settings: { mcpResource: string }) {
  return [
    loopbackClientsAreNative,
    oauthProvider({
      loginPage: OAUTH_LOGIN_PAGE,
      consentPage: OAUTH_CONSENT_PAGE,
      scopes: SCOPES,
      allowDynamicClientRegistration: true,
      allowUnauthenticatedClientRegistration: true,
      clientRegistrationDefaultScopes: SCOPES,
      grantTypes: ["authorization_code", "refresh_token"],
      resources: [
        {
          identifier: settings.mcpResource,
          name: "Taskbridge tasks (MCP)",
          accessTokenTtl: ACCESS_TOKEN_SECONDS,
          allowedScopes: SCOPES,
        },
      ],
      resourceSeedMode: "overwrite",
      clientRegistrationDefaultResources: [settings.mcpResource],
      accessTokenExpiresIn: ACCESS_TOKEN_SECONDS,
      // A rotated refresh token is dead at once: reusing it is treated as theft.
      refreshTokenReuseInterval: 0,
      advertisedMetadata: { scopes_supported: SCOPES },
      rateLimit: { register: { window: 60, max: 30 } },
    }),
  ];
}
