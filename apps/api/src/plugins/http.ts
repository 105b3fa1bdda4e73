import { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import fp from "fastify-plugin";
import cors from "@fastify/cors";
import helmet, { type HelmetOptions } from "helmet";
import sjson from "secure-json-parse";
import { closeConnectionsWhenDone } from "@taskbridge/shared/http-close";
import { HttpProblem } from "../problem.ts";

/**
 * The headers helmet sets with these options. None of them depends on the request, so they are
 * computed once at start-up by running helmet against a recording response, and copied onto each
 * reply: running helmet's chain of middlewares on every request cost more than the headers.
 */
export function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const request = new IncomingMessage(new Socket());
  const recorder = new ServerResponse(request);
  let failure: unknown;
  // helmet's middlewares are synchronous: `next` has run when the call returns.
  helmet(options)(request, recorder, (error?: unknown) => {
    failure = error;
  });
  if (failure instanceof Error) throw failure;
  if (failure !== undefined) throw new Error("helmet refused its options");
  const headers: Record<string, string> = {};
  for (const name of recorder.getHeaderNames()) {
    const value = recorder.getHeader(name);
    if (value !== undefined) headers[name] = String(value);
  }
  return headers;
}

/**
 * What every request meets before a handler: CORS for the allowed origins, security headers,
 * and a JSON-only body parser (an empty body is no body, so `PATCH .../complete` needs none).
 */
export const httpPlugin = fp(
  async (app) => {
    await app.register(cors, {
      origin: app.config.corsOrigins,
      // Lists are given joined: the plugin would join an array again on every request.
      methods: "GET, POST, PUT, PATCH, DELETE",
      // Last-Event-ID: a browser resuming its event stream with fetch names the last position it got.
      // Mcp-Protocol-Version and Mcp-Session-Id: what a browser-based MCP client sends to `/mcp`
      // (Streamable HTTP); one policy for `/api` and `/mcp`.
      allowedHeaders: [
        "Authorization",
        "Content-Type",
        "Last-Event-ID",
        "Mcp-Protocol-Version",
        "Mcp-Session-Id",
        "X-Request-Id",
      ].join(", "),
      // WWW-Authenticate: a client reads `resource_metadata` from a 401 to find where to sign in.
      exposedHeaders: [
        "Link",
        "Location",
        "Mcp-Session-Id",
        "Retry-After",
        "WWW-Authenticate",
        "X-Request-Id",
      ].join(", "),
      maxAge: 600,
    });
    const securityHeaders = helmetHeaders({
      // JSON needs no page policy, and the /docs page loads its own scripts.
      contentSecurityPolicy: false,
      crossOriginResourcePolicy: { policy: "cross-origin" },
      hsts: app.config.env === "production",
    });
    app.addHook("onRequest", (_request, reply, done) => {
      reply.headers(securityHeaders);
      done();
    });

    // Closing ends each connection as soon as nothing is lost by it, so that a client holding
    // one open (a browser does, for minutes) does not keep the API from stopping.
    const closeConnections = closeConnectionsWhenDone(app.server);
    app.addHook("preClose", (done) => {
      closeConnections();
      done();
    });

    app.removeAllContentTypeParsers();
    app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
      const text = typeof body === "string" ? body : body.toString("utf8");
      if (text.trim() === "") return done(null, undefined);
      try {
        done(
          null,
          sjson.parse(text, undefined, { protoAction: "remove", constructorAction: "remove" }),
        );
      } catch {
        done(new HttpProblem(400, "Request body is not valid JSON"), undefined);
      }
    });
  },
  { name: "http", dependencies: ["errors"] },
);
