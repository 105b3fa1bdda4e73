import rateLimit from "@fastify/rate-limit";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { and, eq } from "drizzle-orm";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { oauthConsent } from "@taskbridge/db/schema";
import { KeysUnavailableError, RevocationsUnavailableError, TokenError } from "../auth/errors.ts";
import { authorizationOf, SEVERAL_AUTHORIZATION_HEADERS } from "../auth/header.ts";
import { TokenVerifier, type AuthUser } from "../auth/verifier.ts";
import { refusedTooOften } from "../plugins/rate-limit.ts";
import { sendProblem } from "../problem.ts";
import { createMcpServer, MCP_READ_SCOPE, MCP_WRITE_SCOPE, type ToolOutcome } from "./tools.ts";

export interface McpPluginOptions {
  /** Injected by tests that need a verifier with other settings. */
  verifier?: TokenVerifier;
}

/** Assistants' access tokens live an hour at most, whatever the authorization server says. */
export const MCP_TOKEN_MAX_AGE_SECONDS = 60 * 60;
const LAST_USE_PRECISION_MS = 60_000;
const BEARER = /^Bearer +(\S+) *$/i;
const PRM_PATH = "/.well-known/oauth-protected-resource/mcp";

/** The caller /mcp's own token check verified, by request. */
const mcpUsers = new WeakMap<FastifyRequest, AuthUser>();

function mcpUser(request: FastifyRequest): AuthUser {
  const user = mcpUsers.get(request);
  if (!user) throw new Error("no verified MCP caller");
  return user;
}

const ToolCall = z.object({
  method: z.literal("tools/call"),
  params: z.object({ name: z.string() }),
});

/**
 * The Model Context Protocol endpoint for AI assistants, as its own scope: its own verifier
 * (audience = the `/mcp` resource, so a token for `/api/*` is refused here, and one for here is
 * refused there), the RFC 9728 metadata that points clients at the web app's authorization
 * server, and a stateless Streamable HTTP transport (one MCP server per request).
 */
export const mcpPlugin: FastifyPluginAsync<McpPluginOptions> = async (app, options) => {
  const config = app.config;
  const resource = config.mcpResource;
  const metadataUrl = `${new URL(resource).origin}${PRM_PATH}`;
  const verifier =
    options.verifier ??
    new TokenVerifier({
      config: { ...config, audience: resource },
      maxTokenAgeSeconds: MCP_TOKEN_MAX_AGE_SECONDS,
    });
  // A revoked grant, session or account ends its tokens here too, remembered ones included.
  verifier.checkRevocationsIn(app.revocations);

  // At the path RFC 9728 derives from the resource, and at the root for clients that look there.
  app.get(PRM_PATH, { schema: { hide: true } }, protectedResourceMetadata);
  app.get(
    "/.well-known/oauth-protected-resource",
    { schema: { hide: true } },
    protectedResourceMetadata,
  );

  async function protectedResourceMetadata(_request: FastifyRequest, reply: FastifyReply) {
    reply.header("cache-control", "public, max-age=300");
    reply.header("access-control-allow-origin", "*");
    return {
      resource,
      authorization_servers: [config.issuer],
      scopes_supported: [MCP_READ_SCOPE, MCP_WRITE_SCOPE, "offline_access"],
      bearer_methods_supported: ["header"],
      resource_name: "Taskbridge tasks",
    };
  }

  async function refuse(
    request: FastifyRequest,
    reply: FastifyReply,
    detail: string,
    reason: string,
    tokenSent: boolean,
  ) {
    // The same per-address budget for refused requests as `/api`, in the same store.
    if (await refusedTooOften(request, reply)) return reply;
    request.log.info({ reason }, "request refused: 401");
    request.server.metrics.refused(reason);
    const challenge = tokenSent
      ? `Bearer resource_metadata="${metadataUrl}", error="invalid_token", error_description="${detail}"`
      : `Bearer resource_metadata="${metadataUrl}"`;
    reply.header("WWW-Authenticate", challenge);
    return sendProblem(reply, 401, detail);
  }

  /**
   * A grant the person revoked on the account page ends its tokens at once, not at `exp`.
   * A live grant's last use is noted for the account page, at most once a minute.
   */
  async function grantActive(user: AuthUser): Promise<boolean> {
    if (!user.clientId) return false;
    const grant = and(eq(oauthConsent.userId, user.id), eq(oauthConsent.clientId, user.clientId));
    const rows = await app.db
      .select({ lastUsedAt: oauthConsent.lastUsedAt })
      .from(oauthConsent)
      .where(grant)
      .limit(1);
    const row = rows[0];
    if (!row) return false;
    if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > LAST_USE_PRECISION_MS) {
      await app.db.update(oauthConsent).set({ lastUsedAt: new Date() }).where(grant);
    }
    return true;
  }

  // MCP's Streamable HTTP transport: a request whose Origin is present and not allowed is
  // answered 403 (a page on another site, or a DNS-rebound name). The origins are CORS_ORIGINS,
  // the REST API's, and the API's own.
  const allowedOrigins = new Set([...config.corsOrigins, new URL(config.apiUrl).origin]);

  await app.register(async (scope) => {
    scope.addHook("onRequest", async (request, reply) => {
      const origin = request.headers.origin;
      if (origin !== undefined && !allowedOrigins.has(origin)) {
        request.log.info({ reason: "origin not allowed" }, "request refused: 403");
        return sendProblem(reply, 403, "Requests from this origin are not allowed");
      }
      const authorization = authorizationOf(request.raw);
      if (authorization.kind === "several") {
        if (await refusedTooOften(request, reply)) return reply;
        request.log.info({ reason: "several Authorization headers" }, "request refused: 400");
        reply.header(
          "WWW-Authenticate",
          `Bearer resource_metadata="${metadataUrl}", error="invalid_request", error_description="${SEVERAL_AUTHORIZATION_HEADERS}"`,
        );
        return sendProblem(reply, 400, SEVERAL_AUTHORIZATION_HEADERS);
      }
      if (request.url.includes("access_token=")) {
        return refuse(
          request,
          reply,
          "Send the token in the Authorization header, not the query string",
          "token in query string",
          true,
        );
      }
      if (authorization.kind === "none")
        return refuse(request, reply, "Authentication required", "no token", false);
      const match = BEARER.exec(authorization.value);
      if (!match?.[1])
        return refuse(
          request,
          reply,
          "The Authorization header must be: Bearer <token>",
          "not a bearer token",
          true,
        );
      let user: AuthUser;
      try {
        user = await verifier.verify(match[1]);
      } catch (error) {
        if (error instanceof KeysUnavailableError || error instanceof RevocationsUnavailableError) {
          reply.header("Retry-After", "2");
          return sendProblem(
            reply,
            503,
            "Token verification is not available yet; try again shortly",
          );
        }
        if (error instanceof TokenError)
          return refuse(request, reply, error.publicDetail, error.reason, true);
        throw error;
      }
      if (!(await grantActive(user)))
        return refuse(request, reply, "This app's access was revoked", "grant revoked", true);
      mcpUsers.set(request, user);
      request.log = request.log.child({ userId: user.id, clientId: user.clientId });
    });

    // The same per-user budget as the REST API, counted on its own (after the token check) in
    // the same store, so every copy counts against one number when Redis is configured.
    await scope.register(
      rateLimit,
      app.rateLimits.perUser(config.rateLimitPerMinute, (request) => `mcp:${mcpUser(request).id}`),
    );

    scope.post("/mcp", { schema: { hide: true } }, async (request, reply) => {
      const user = mcpUser(request);
      const called = new Set<string>();
      const log = (tool: string, outcome: ToolOutcome) => {
        called.add(tool);
        // Like a REST request line: who, what, how it ended; never the task content.
        request.log.info({ userId: user.id, tool, outcome }, "tool call");
      };
      const server = createMcpServer(app.db, user, log);
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: true,
      });
      reply.hijack();
      reply.raw.on("close", () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(request.raw, reply.raw, request.body);
      // Calls the SDK refused before a tool ran (input that breaks the schema).
      for (const message of Array.isArray(request.body) ? request.body : [request.body]) {
        const call = ToolCall.safeParse(message);
        if (call.success && !called.has(call.data.params.name))
          log(call.data.params.name, "invalid");
      }
    });

    // Stateless: no server-initiated stream to open and no session to end.
    const notAllowed = async (_request: FastifyRequest, reply: FastifyReply) => {
      reply.header("Allow", "POST");
      return sendProblem(reply, 405, "Use POST for MCP requests");
    };
    scope.get("/mcp", { schema: { hide: true } }, notAllowed);
    scope.delete("/mcp", { schema: { hide: true } }, notAllowed);
  });
};
