import fp from "fastify-plugin";
import cors from "@fastify/cors";
import helmet from "@fastify/helmet";
import sjson from "secure-json-parse";
import { HttpProblem } from "../problem.ts";

/**
 * What every request meets before a handler: CORS for the allowed origins, security headers,
 * and a JSON-only body parser (an empty body is no body, so `PATCH .../complete` needs none).
 */
export const httpPlugin = fp(
  async (app) => {
    await app.register(cors, {
      origin: app.config.corsOrigins,
      methods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
      allowedHeaders: ["Authorization", "Content-Type", "X-Request-Id"],
      exposedHeaders: ["Link", "Location", "Retry-After", "X-Request-Id"],
      maxAge: 600,
    });
    await app.register(helmet, {
      // JSON needs no page policy, and the /docs page loads its own scripts.
      contentSecurityPolicy: false,
      crossOriginResourcePolicy: { policy: "cross-origin" },
      hsts: app.config.env === "production",
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
