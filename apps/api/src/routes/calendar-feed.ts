import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ProblemSchema } from "@taskbridge/shared/problem";
import { feedCalendar } from "../feed/ics.ts";
import { HttpProblem } from "../problem.ts";
import { CalendarFeedRepository, FEED_SECRET } from "../repositories/calendar-feed.ts";
import { refuseDeletedUser } from "./refusals.ts";

const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, ProblemSchema]));

const FeedLinkSchema = z
  .object({
    url: z
      .string()
      .nullable()
      .describe("The feed's secret address (`…/feeds/<secret>.ics`), or null when it is off"),
  })
  .meta({ id: "CalendarFeedLink" });

/** The feed's address as this request reached the API (its scheme and host, proxies trusted). */
const feedUrl = (request: FastifyRequest, secret: string) =>
  `${request.protocol}://${request.host}/feeds/${secret}.ics`;

/**
 * `/api/calendar-feed`: the caller's calendar feed link, made, reset and turned off with their
 * token. Registered under `/api`, with its token check and rate limit.
 */
export const calendarFeedRoutes: FastifyPluginAsyncZod = async (app) => {
  const feeds = new CalendarFeedRepository(app.db);
  const tags = ["calendar feed"];
  const security = [{ bearerAuth: [] }];

  app.get(
    "/calendar-feed",
    {
      schema: {
        tags,
        security,
        summary: "The caller's calendar feed link",
        response: { 200: FeedLinkSchema, ...errors(401, 429, 503) },
      },
    },
    async (request, reply) => {
      const secret = await feeds.secretOf(request.user.id);
      reply.header("cache-control", "no-store");
      return { url: secret === null ? null : feedUrl(request, secret) };
    },
  );

  app.post(
    "/calendar-feed",
    {
      schema: {
        tags,
        security,
        summary: "Make or reset the caller's calendar feed link",
        description:
          "A new secret address for the feed; the previous one, if any, answers 404 from now on.",
        response: { 200: FeedLinkSchema, ...errors(401, 429, 503) },
      },
    },
    async (request, reply) => {
      try {
        const secret = await feeds.reset(request.user.id);
        reply.header("cache-control", "no-store");
        return { url: feedUrl(request, secret) };
      } catch (error) {
        return refuseDeletedUser(request, error);
      }
    },
  );

  app.delete(
    "/calendar-feed",
    {
      schema: {
        tags,
        security,
        summary: "Turn the caller's calendar feed off",
        response: { 204: z.null(), ...errors(401, 404, 429, 503) },
      },
    },
    async (request, reply) => {
      if (!(await feeds.remove(request.user.id)))
        throw new HttpProblem(404, "There is no calendar feed to turn off");
      return reply.code(204).send(null);
    },
  );
};

/**
 * `GET /feeds/<secret>.ics`: the read-only iCalendar of a person's pending dated tasks, for
 * calendar apps that cannot show tasks. The secret in the path is the only key; an unknown or
 * reset one is 404, the same as a path that is not a feed's.
 */
export const calendarFeedPublicRoutes: FastifyPluginAsyncZod = async (app) => {
  const feeds = new CalendarFeedRepository(app.db);

  app.get(
    "/feeds/:token.ics",
    {
      schema: {
        tags: ["calendar feed"],
        summary: "A calendar feed (iCalendar)",
        description:
          "Each pending dated task of the person, in every list they are in (archived lists and " +
          "tasks assigned to someone else aside), as an event: all day on its due date, or at " +
          "its due time (floating: the person's wall clock) for 30 minutes. No token: the " +
          "secret in the address is the key.",
        params: z.object({ token: z.string().describe("The feed's secret") }),
        response: { 200: z.string().describe("text/calendar"), 404: ProblemSchema },
      },
    },
    async (request, reply) => {
      const secret = request.params.token;
      const tasks = FEED_SECRET.test(secret) ? await feeds.tasksOf(secret) : null;
      if (tasks === null) {
        request.log.info({ reason: "no feed has this secret" }, "request refused: 404");
        throw new HttpProblem(404, "Calendar feed not found");
      }
      return reply
        .type("text/calendar; charset=utf-8")
        .header("cache-control", "private, no-cache")
        .header("content-disposition", 'inline; filename="taskbridge.ics"')
        .send(feedCalendar(tasks));
    },
  );
};
