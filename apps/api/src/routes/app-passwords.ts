import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ProblemSchema } from "@taskbridge/shared/problem";
import { appPasswordOf } from "../app-passwords/requests.ts";
import { AppPasswordRepository } from "../app-passwords/repository.ts";
import { HttpProblem } from "../problem.ts";
import { refuseDeletedUser, UUID } from "./refusals.ts";

const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, ProblemSchema]));

const ScopeSchema = z
  .enum(["read_write", "read_only"])
  .describe("`read_write`: all the account may do; `read_only`: reading only (a write is 403)");

const AppPasswordSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    scope: ScopeSchema,
    created_at: z.iso.datetime(),
    last_used_at: z.iso.datetime().nullable().describe("Within a minute"),
  })
  .meta({ id: "AppPassword" });

const AppPasswordCreatedSchema = AppPasswordSchema.extend({
  password: z
    .string()
    .describe("The password: shown this once; only its SHA-256 is kept. Starts with `tb_`."),
}).meta({ id: "AppPasswordCreated" });

const AppPasswordCreateSchema = z
  .strictObject({
    name: z
      .string()
      .trim()
      .min(1, "Name the app password (e.g. the device or app that uses it)")
      .max(100, "Name must be at most 100 characters"),
    scope: ScopeSchema.default("read_write"),
  })
  .meta({ id: "AppPasswordCreate" });

/** App passwords are managed with the account's own sign-in, never with an app password. */
function refuseAppPassword(request: FastifyRequest): void {
  if (!appPasswordOf(request)) return;
  request.log.info({ reason: "app password managing app passwords" }, "request refused: 403");
  throw new HttpProblem(
    403,
    "App passwords are managed from the account, not with an app password",
  );
}

/**
 * `/api/app-passwords`: the passwords a CalDAV client or a script signs in with (as the password
 * of HTTP Basic, or as `Authorization: Bearer tb_…` on this API). Made with a name and a scope,
 * shown once, listed with their last use, revoked at once on every API copy.
 */
export const appPasswordRoutes: FastifyPluginAsyncZod = async (app) => {
  const passwords = new AppPasswordRepository(app.db);
  const tags = ["app passwords"];
  const security = [{ bearerAuth: [] }];

  app.get(
    "/app-passwords",
    {
      schema: {
        tags,
        security,
        summary: "The caller's app passwords (never the passwords themselves)",
        response: { 200: z.array(AppPasswordSchema), ...errors(401, 403, 429, 503) },
      },
    },
    async (request, reply) => {
      refuseAppPassword(request);
      reply.header("cache-control", "no-store");
      return passwords.list(request.user.id);
    },
  );

  app.post(
    "/app-passwords",
    {
      schema: {
        tags,
        security,
        summary: "Make an app password",
        description:
          "Answers the password once (`tb_` and 192 random bits). It signs in as the caller: " +
          "as the password of HTTP Basic with the account's email, or as a Bearer token here, " +
          "limited to its scope.",
        body: AppPasswordCreateSchema,
        response: { 201: AppPasswordCreatedSchema, ...errors(401, 403, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      refuseAppPassword(request);
      try {
        const made = await passwords.create(request.user.id, request.body.name, request.body.scope);
        return reply.code(201).header("cache-control", "no-store").send(made);
      } catch (error) {
        return refuseDeletedUser(request, error);
      }
    },
  );

  app.delete(
    "/app-passwords/:id",
    {
      schema: {
        tags,
        security,
        summary: "Revoke an app password",
        description: "Refused from then on, on every API copy within 2 seconds.",
        params: z.object({ id: z.string().describe("App password id (UUID)") }),
        response: { 204: z.null(), ...errors(401, 403, 404, 429, 503) },
      },
    },
    async (request, reply) => {
      refuseAppPassword(request);
      const { id } = request.params;
      if (!UUID.test(id) || !(await passwords.revoke(request.user.id, id.toLowerCase()))) {
        request.log.info({ reason: "no such app password for this user" }, "request refused: 404");
        throw new HttpProblem(404, "App password not found");
      }
      return reply.code(204).send(null);
    },
  );
};
