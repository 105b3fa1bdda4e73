import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { ProblemSchema } from "@taskbridge/shared/problem";
import { z } from "zod";
import { LiveHub } from "../live/hub.ts";
import { ReminderScheduler } from "../live/reminders.ts";
import { HttpProblem } from "../problem.ts";
import { listIdsOf } from "../repositories/access.ts";
import { TaskRepository } from "../repositories/tasks.ts";

/** Open streams one user may hold at once (tabs, devices). */
const MAX_STREAMS_PER_USER = 20;
const HEARTBEAT_MS = 25_000;
/** The reconnection delay a stream ended by a draining copy suggests (`retry:`). */
export const DRAIN_RETRY_MS = 500;

export interface EventRoutesOptions {
  /** Whether this copy sends due reminders (default true); every copy delivers them. */
  sendReminders?: boolean;
}

/**
 * `GET /api/events`: a server-sent event stream of the changes to the tasks of every list the
 * caller is in (`event: task`, data `{ "id", "op" }`), of those lists and their
 * members (`event: lists`, data `{ "list_id", "user_id", "op" }`), and the caller's reminders
 * (`event: reminder`, data `{ "task" }`), fed by PostgreSQL LISTEN/NOTIFY so a change made or a
 * reminder sent by any API copy arrives. Needs the same Bearer token as every `/api` route, so
 * browsers read it with `fetch`.
 */
export const eventRoutes: FastifyPluginAsyncZod<EventRoutesOptions> = async (app, options) => {
  // The lists a stream's user is in, read once per user with streams here; the hub keeps them
  // current from the database's notifications.
  const hub = new LiveHub(
    app.config.databaseUrl,
    app.log,
    (userId) => listIdsOf(app.db, userId),
    app.listIds,
  );
  const tasks = new TaskRepository(app.db, app.listIds);
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
        summary: "Live changes of the caller's lists and tasks (text/event-stream)",
        description:
          "Server-sent events: `event: ready` once, then:\n\n" +
          "- `event: task` with data `{ id, op }` (op: insert, update or delete) for " +
          "each change to a task of any list the caller is a member of, whoever made it. A task " +
          "moved to another list reaches the members of both: those of the list it left who " +
          "are not in the new one get op `delete` (the task is gone for them); those of the new " +
          "list who were not in the old one get op `insert`; members of both get `update`.\n" +
          "- `event: lists` with data `{ list_id, user_id, op }` when a membership of one of the " +
          "caller's lists changes (`user_id` joined: insert; changed role: update; left, was " +
          "removed, or the list was deleted: delete), or the list itself was renamed, " +
          "recoloured or archived (`user_id` null, op update). It reaches every member and the " +
          "member concerned; after their own `delete`, the caller's streams hear nothing more " +
          "of that list, so a client drops the list and its tasks then.\n" +
          "- `event: reminder` with data `{ task }` when a task's `remind_at` comes, once per " +
          "reminder, on every open stream of one person: the assignee, else the creator, else " +
          "the list's owner (always a current member of the list).\n" +
          "- a comment line every 25 s to keep the connection open.\n\n" +
          "The stream ends when the token expires; reconnect with a fresh one. It also ends, " +
          "after a `retry: 500` line, when the API copy serving it stops: reconnect then (after a " +
          "reconnection, refetch: changes made meanwhile are not replayed).",
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
          // The same data as before lists: a client that knows nothing of lists reads it as is.
          const { id, op } = event.change;
          write(`event: task\ndata: ${JSON.stringify({ id, op })}\n\n`);
          return;
        }
        if (event.kind === "lists") {
          write(`event: lists\ndata: ${JSON.stringify(event.change)}\n\n`);
          return;
        }
        // The hub no longer knows the user's lists: end, and the client reconnects afresh.
        if (event.kind === "lost") return end();
        // Read through the membership-scoped repository: only if the stream's user may see it.
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
      // Draining: the client reconnects soon, to a copy that stays (through the balancer).
      const stopDrainWatch = app.drain.onDrain(() => {
        if (!reply.raw.writableEnded) write(`retry: ${DRAIN_RETRY_MS}\n\n`);
        end();
      });
      request.raw.once("close", stopDrainWatch);
    },
  );
};
