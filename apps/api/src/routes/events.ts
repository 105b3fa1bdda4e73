import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { ProblemSchema } from "@taskbridge/shared/problem";
import { z } from "zod";
import { LiveHub } from "../live/hub.ts";
import { ReminderScheduler } from "../live/reminders.ts";
import type { AuthUser } from "../auth/verifier.ts";
import { HttpProblem } from "../problem.ts";
import { FeedPruner, FeedRepository, type FeedEntry } from "../repositories/feed.ts";
import { TaskRepository } from "../repositories/tasks.ts";

/** Open streams one user may hold at once (tabs, devices). */
const MAX_STREAMS_PER_USER = 20;
const HEARTBEAT_MS = 25_000;
/** Changes read from the feed at once (a long replay is read and written batch by batch). */
const FEED_BATCH = 500;
/** The reconnection delay a stream ended by a draining copy suggests (`retry:`). */
export const DRAIN_RETRY_MS = 500;

export interface EventRoutesOptions {
  /** Whether this copy sends due reminders (default true); every copy delivers them. */
  sendReminders?: boolean;
}

/**
 * The position a reconnecting client says it has seen (`Last-Event-ID`, which EventSource sends
 * by itself): undefined when absent or empty, null when it is not a position (a decimal integer
 * from 0 to 2^53 - 1), which the route answers 400: a client that sent one meant to resume, and
 * silently starting afresh would lose the changes it missed.
 */
export function parseLastEventId(header: string | string[] | undefined): number | null | undefined {
  if (Array.isArray(header)) return header.length === 0 ? undefined : null;
  const value = header?.trim();
  if (value === undefined || value === "") return undefined;
  if (!/^\d{1,16}$/.test(value)) return null;
  const position = Number(value);
  return Number.isSafeInteger(position) ? position : null;
}

/** One change of the feed as a server-sent event, its position as the event's `id`. */
function feedMessage(entry: FeedEntry): string {
  // `event: task` keeps the data it has always had: `{ id, op }`.
  const data = entry.kind === "task" ? { id: entry.data.id, op: entry.data.op } : entry.data;
  return `id: ${entry.position}\nevent: ${entry.kind}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * `GET /api/events`: a server-sent event stream of the caller's change feed (repositories/feed.ts):
 * the changes to the tasks of every list the caller is in (`event: task`, data `{ "id", "op" }`)
 * and to those lists and their members (`event: lists`, data `{ "list_id", "user_id", "op" }`),
 * each with its feed position as `id`, and the caller's reminders (`event: reminder`, data
 * `{ "task" }`, no id). A reconnecting client sends `Last-Event-ID` and first gets every change
 * it missed, read from the database, so whichever API copy it reaches; PostgreSQL's
 * LISTEN/NOTIFY only wakes the stream to read on. Needs the same Bearer token as every `/api`
 * route, so browsers read it with `fetch`.
 */
export const eventRoutes: FastifyPluginAsyncZod<EventRoutesOptions> = async (app, options) => {
  const hub = new LiveHub(app.config.databaseUrl, app.log, app.listIds);
  const tasks = new TaskRepository(app.db, app.listIds);
  const feed = new FeedRepository(app.db);
  const pruner = new FeedPruner(feed, app.log);
  const reminders =
    options.sendReminders === false
      ? undefined
      : new ReminderScheduler(app.config.databaseUrl, app.log, {
          onSent: (count) => app.metrics.remindersSent.inc(count),
        });
  const streams = new Set<() => void>();
  /** Open streams by user, each with the token that opened it, for revocations to end. */
  const streamsByUser = new Map<string, Map<() => void, AuthUser>>();
  app.metrics.openStreams = () => streams.size;
  // A change wakes every stream of its user at once; those at the same position share one read.
  // Only reads started in the same turn are shared: a read started earlier may predate the change.
  const reads = new Map<string, Promise<FeedEntry[]>>();
  const readFeed = (userId: string, after: number): Promise<FeedEntry[]> => {
    const key = `${userId}\n${after}`;
    let read = reads.get(key);
    if (!read) {
      const started = feed.after(userId, after, FEED_BATCH);
      reads.set(key, started);
      queueMicrotask(() => {
        if (reads.get(key) === started) reads.delete(key);
      });
      read = started;
    }
    return read;
  };
  if (reminders) hub.onScheduleChange(() => reminders.wake());
  // A stream lasts no longer than its token: one whose session, account or grant is revoked
  // ends at once (the client reconnects, and its token is refused). After a reread of the whole
  // set (a reconnect) every stream is judged again.
  const stopHearingRevocations = app.revocations.onRevoke((revocation) => {
    const users = revocation ? [streamsByUser.get(revocation.userId)] : streamsByUser.values();
    for (const open of users) {
      for (const [end, user] of [...(open ?? [])]) {
        if (app.revocations.refusalOf(user)) end();
      }
    }
  });
  app.addHook("onReady", async () => {
    await hub.start();
    pruner.start();
    // Reminders that fell due while no copy ran go out now (also when LISTEN is not up yet).
    reminders?.wake();
  });
  // Streams never end by themselves: end them before the server waits for open requests.
  app.addHook("preClose", async () => {
    stopHearingRevocations();
    for (const end of streams) end();
    await reminders?.stop();
    await pruner.stop();
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
          "**Change feed.** Every `task` and `lists` event carries its `id`: its position in the " +
          "caller's change feed, an integer that grows by exactly 1 from one change of theirs to " +
          "the next (deletions included), kept in the database for at least 7 days. A client " +
          "that reconnects with the header `Last-Event-ID: <position>` (EventSource sends it by " +
          "itself) first gets every change after that position, once and in order, then the " +
          "live ones, from any API copy. Without it, `ready` carries the current position as its " +
          "`id`. When the position is older than what is kept (or unknown), the stream sends " +
          "`event: resync` (data `{}`, `id` the current position) after `ready`: reload " +
          "everything, then go on from there. A `Last-Event-ID` that is not a non-negative " +
          "integer answers 400. Reminders carry no `id`.\n\n" +
          "The stream ends when the token expires, and at once when its session, account or " +
          "app access is revoked; reconnect with a fresh token and `Last-Event-ID`. It also " +
          "ends, after a `retry: 500` line, when the API copy serving it stops: reconnect then, " +
          "with `Last-Event-ID`, and another copy carries on.",
        security: [{ bearerAuth: [] }],
        headers: z.looseObject({
          "last-event-id": z
            .string()
            .optional()
            .describe("The last feed position the client has seen: replay what came after it"),
        }),
        response: {
          200: z.string().describe("text/event-stream"),
          400: ProblemSchema,
          401: ProblemSchema,
          429: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const userId = request.user.id;
      if (hub.subscriberCount(userId) >= MAX_STREAMS_PER_USER) {
        throw new HttpProblem(429, "Too many open event streams for this user", {
          headers: { "Retry-After": "30" },
        });
      }
      const lastEventId = parseLastEventId(request.headers["last-event-id"]);
      if (lastEventId === null) {
        throw new HttpProblem(
          400,
          "Last-Event-ID must be a position of the change feed: a non-negative integer",
          { errors: [{ field: "Last-Event-ID", message: "not a non-negative integer" }] },
        );
      }

      // Subscribe before reading where the feed stands: a change committed after that read
      // wakes the stream, one committed before it is read from the feed. Nothing falls between.
      let cursor: number | undefined;
      let dirty = false;
      let reading = false;
      let ended = false;
      /** Reminders that came before the stream's head was written. */
      const early: string[] = [];

      function write(chunk: string): void {
        if (cursor === undefined) early.push(chunk);
        else if (!ended) reply.raw.write(chunk);
      }

      // Called only once the stream's head is written (the timers below exist by then).
      function end(): void {
        ended = true;
        clearInterval(heartbeat);
        clearTimeout(expiry);
        unsubscribe();
        streams.delete(end);
        const open = streamsByUser.get(userId);
        open?.delete(end);
        if (open?.size === 0) streamsByUser.delete(userId);
        if (cursor !== undefined && !reply.raw.writableEnded) reply.raw.end();
      }

      /** Writes the feed after `cursor`, batch by batch, until it has caught up. */
      async function pump(): Promise<void> {
        dirty = true;
        if (reading || ended || cursor === undefined) return;
        reading = true;
        try {
          while (dirty && !ended) {
            dirty = false;
            const entries = await readFeed(userId, cursor);
            for (const entry of entries) {
              if (ended || entry.position <= cursor) continue;
              write(feedMessage(entry));
              cursor = entry.position;
            }
            if (entries.length === FEED_BATCH) {
              dirty = true;
              // A long replay waits for a slow client rather than buffering all of it.
              if (reply.raw.writableNeedDrain) await drained();
            }
          }
        } catch (error) {
          request.log.warn(
            { error: error instanceof Error ? error.message : String(error) },
            "could not read the change feed; ending the stream",
          );
          // The client reconnects with the last id it got and misses nothing.
          end();
        } finally {
          reading = false;
        }
      }

      function drained(): Promise<void> {
        return new Promise((resolve) => {
          const done = () => {
            reply.raw.off("drain", done);
            reply.raw.off("close", done);
            resolve();
          };
          reply.raw.once("drain", done);
          reply.raw.once("close", done);
        });
      }

      const unsubscribe = hub.subscribe(userId, (event) => {
        if (event.kind === "feed") return void pump();
        // Read through the membership-scoped repository: only if the stream's user may see it.
        tasks.findTask(userId, event.id).then(
          (task) => {
            if (task) write(`event: reminder\ndata: ${JSON.stringify({ task })}\n\n`);
          },
          (error: unknown) =>
            request.log.warn(
              { error: error instanceof Error ? error.message : String(error) },
              "could not read a reminded task",
            ),
        );
      });
      let start;
      try {
        start = await feed.start(userId, lastEventId);
      } catch (error) {
        unsubscribe();
        throw error;
      }
      if (request.raw.destroyed || reply.raw.destroyed) {
        unsubscribe();
        return reply.hijack();
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
      if (start.kind === "resync") {
        // `ready` without an id, then `resync` with the current one: a client cut off between
        // the two still holds its old position, and is told to resync again.
        reply.raw.write(`retry: 3000\nevent: ready\ndata: {}\n\n`);
        reply.raw.write(`id: ${start.position}\nevent: resync\ndata: {}\n\n`);
      } else if (lastEventId === undefined) {
        reply.raw.write(`retry: 3000\nid: ${start.position}\nevent: ready\ndata: {}\n\n`);
      } else {
        reply.raw.write(`retry: 3000\nevent: ready\ndata: {}\n\n`);
      }
      cursor = start.position;
      for (const chunk of early.splice(0)) write(chunk);

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
      const user = request.user;
      streams.add(end);
      let open = streamsByUser.get(userId);
      if (!open) {
        open = new Map();
        streamsByUser.set(userId, open);
      }
      open.set(end, user);
      request.raw.on("close", end);
      // Draining: the client reconnects soon, to a copy that stays (through the balancer).
      const stopDrainWatch = app.drain.onDrain(() => {
        if (!reply.raw.writableEnded) write(`retry: ${DRAIN_RETRY_MS}\n\n`);
        end();
      });
      request.raw.once("close", stopDrainWatch);
      // Revoked between the token check and now (a notification heard meanwhile): end already.
      if (app.revocations.refusalOf(user)) end();
      // Replay what the client missed (or catch up with what came since the start was read).
      void pump();
    },
  );
};
