import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { ProblemSchema } from "@taskbridge/shared/problem";
import { SettingsSchema, SettingsUpdateSchema } from "@taskbridge/shared/settings";
import { SettingsRepository } from "../repositories/settings.ts";
import { refuseDeletedUser } from "./refusals.ts";

const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, ProblemSchema]));

/**
 * `/api/me/settings`: the caller's own settings (their time zone). Registered under `/api`,
 * with its token check and rate limit; a read-only app password may read them, not change them.
 */
export const settingsRoutes: FastifyPluginAsyncZod = async (app) => {
  const settings = new SettingsRepository(app.db);
  const tags = ["settings"];
  const security = [{ bearerAuth: [] }];

  app.get(
    "/me/settings",
    {
      schema: {
        tags,
        security,
        summary: "The caller's settings",
        description: "`time_zone` is `UTC`, with `time_zone_set` false, until the caller sets one.",
        response: { 200: SettingsSchema, ...errors(401, 429, 503) },
      },
    },
    async (request, reply) => {
      reply.header("cache-control", "no-store");
      return settings.of(request.user.id);
    },
  );

  app.patch(
    "/me/settings",
    {
      schema: {
        tags,
        security,
        summary: "Change the caller's settings",
        description:
          "`time_zone`: an IANA time zone (`Asia/Kolkata`); CalDAV reads and writes due dates " +
          "and times in it. An unknown zone: 422, and nothing changes.",
        body: SettingsUpdateSchema,
        response: {
          200: SettingsSchema,
          ...errors(400, 401, 403, 413, 415, 422, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const userId = request.user.id;
      const { time_zone: timeZone } = request.body;
      reply.header("cache-control", "no-store");
      if (timeZone === undefined) return settings.of(userId);
      try {
        return await settings.setTimeZone(userId, timeZone);
      } catch (error) {
        return refuseDeletedUser(request, error);
      }
    },
  );
};
