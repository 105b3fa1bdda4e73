import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { ProblemSchema } from "@taskbridge/shared/problem";
import { z } from "zod";
import { LiveHub } from "../live/hub.ts";
import { ReminderScheduler } from "../live/reminders.ts";
import { HttpProblem } from "../problem.ts";
import { TaskRepository } from "../repositories/tasks.ts";

/** Open streams one user may hold at once (tabs, devices). */
const MAX_STREAMS_PER_USER = 20;
const HEARTBEAT_MS = 25_000;

export interface EventRoutesOptions {
  /** Whether this copy sends due reminders (default true); every copy delivers them. */
  sendReminders?: boolean;
}

/**
 * `GET /api/events`: a server-sent event stream of the caller's task changes (`event: task`,
 * data `{ "id", "op" }`) and reminders (`event: reminder`, data `{ "task" }`), fed by PostgreSQL
 * LISTEN/NOTIFY so a change made or a reminder sent by any API copy arrives. Needs the same
 * Bearer token as every `/api` route, so browsers read it with `fetch`.
 */
export const eventRoutes: FastifyPluginAsyncZod<EventRoutesOptions> = async (app, options) => {
  const hub = new LiveHub(app.config.databaseUrl, app.log);
  const tasks = new TaskRepository(app.db);
  const reminders =
    options.sendReminders === false
      ? undefined
      : new ReminderScheduler(app.config.databaseUrl, app.log);
  const streams = new Set<() => void>();
  if (reminders) hub.onScheduleChange(() => reminders.wake());
  app.addHook("onReady", async () => {
    await hub.start();
    // Reminders that fell due while no copy ran go out now (also when LISTEN is not up yet).
    reminders?.wake();
  });
  // Streams never end by themselves: end them before the server waits for open requests.
  app.addHook("preClose", async () => {
    for (const end of streams) end();
    await reminders?.stop();
    await hub.stop();
  });

  app.get(
    "/events",
    {
      schema: {
        tags: ["tasks"],
        summary: "Live task changes of the caller (text/event-stream)",
        description:
          "Server-sent events: `event: ready` once, then `event: task` with data `{ id, op }` " +
          "(op: insert, update or delete) for each change to the caller's tasks, " +
          "`event: reminder` with data `{ task }` when a task's `remind_at` comes (once per " +
          "reminder, on every open stream of its owner), and a comment line every 25 s to keep " +
          "the connection open. The stream ends when the token expires; reconnect with a fresh one.",
        security: [{ bearerAuth: [] }],
        response: {
          200: z.string().describe("text/event-stream"),
          401: ProblemSchema,
          429: ProblemSchema,
        },
      },
    },
    (request, reply) => {
      const userId = request.user.id;
      if (hub.subscriberCount(userId) >= MAX_STREAMS_PER_USER) {
        throw new HttpProblem(429, "Too many open event streams for this user", {
          headers: { "Retry-After": "30" },
        });
      }
      // The stream is written by hand, so copy the headers hooks already set (CORS, request id).
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (value !== undefined) reply.raw.setHeader(name, value);
      }
      reply.raw.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      reply.hijack();
      const write = (chunk: string) => reply.raw.write(chunk);
      write(`retry: 3000\nevent: ready\ndata: {}\n\n`);

      const unsubscribe = hub.subscribe(userId, (event) => {
        if (event.kind === "task") {
          write(`event: task\ndata: ${JSON.stringify(event.change)}\n\n`);
          return;
        }
        // Read through the owner-scoped repository: the stream's user and no one else.
        tasks.findTask(userId, event.id).then(
          (task) => {
            if (task && !reply.raw.writableEnded)
              write(`event: reminder\ndata: ${JSON.stringify({ task })}\n\n`);
          },
          (error: unknown) =>
            request.log.warn(
              { error: error instanceof Error ? error.message : String(error) },
              "could not read a reminded task",
            ),
        );
      });
      // Well within the idle timeout, which would otherwise close a quiet stream.
      const heartbeat = setInterval(
        () => write(`: keep-alive\n\n`),
        Math.min(HEARTBEAT_MS, app.config.idleTimeoutMs / 2),
      );
      // The token vouches for the caller until its exp and not after: the stream ends then, and
      // the client reconnects with a fresh token (a stream of a signed-out user stops with it).
      const expiry = setTimeout(
        () => end(),
        Math.max(0, request.user.expiresAt * 1000 - Date.now()),
      );
      const end = () => {
        clearInterval(heartbeat);
        clearTimeout(expiry);
        unsubscribe();
        streams.delete(end);
        if (!reply.raw.writableEnded) reply.raw.end();
      };
      streams.add(end);
      request.raw.on("close", end);
    },
  );
};
