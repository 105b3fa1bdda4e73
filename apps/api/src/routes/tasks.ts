import type { FastifyReply, FastifyRequest } from "fastify";
import { validatorCompiler, type FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ProblemSchema } from "@taskbridge/shared/problem";
import {
  TaskCompleteSchema,
  TaskCreateSchema,
  TaskListQuerySchema,
  TaskSchema,
  TaskStatsQuerySchema,
  TaskStatsSchema,
  TaskUpdateSchema,
} from "@taskbridge/shared/task";
import { decodeCursor, encodeCursor } from "../lib/cursor.ts";
import type { SentPage } from "../lib/page-cache.ts";
import { HttpProblem } from "../problem.ts";
import { FeedRepository } from "../repositories/feed.ts";
import { refuseDeletedUser, UUID } from "./refusals.ts";
import {
  isDefaultPage,
  listSort,
  ordersByTime,
  sortValue,
  TaskRepository,
  type WriteResult,
} from "../repositories/tasks.ts";

export interface TaskRoutesOptions {
  /** Registered under `/api/:user_id`: the path names the owner and must be the caller. */
  userInPath: boolean;
}

const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, ProblemSchema]));

function notFound(request: FastifyRequest, id: string): HttpProblem {
  // Only a real id is logged: anything else in the path is the caller's text, not an id.
  const taskId = UUID.test(id) ? id : "(not a task id)";
  request.log.info({ taskId, reason: "no such task for this user" }, "request refused: 404");
  return new HttpProblem(404, "Task not found");
}

function listNotFound(request: FastifyRequest): HttpProblem {
  request.log.info({ reason: "no such list for this user" }, "request refused: 404");
  return new HttpProblem(404, "List not found");
}

/** Why a write changed nothing, as an HTTP problem (403 and 409 name what is missing). */
export function writeRefusal(
  request: FastifyRequest,
  id: string,
  result: Exclude<WriteResult, { kind: "ok" }>,
): HttpProblem {
  switch (result.kind) {
    case "not-found":
      return result.what === "List" ? listNotFound(request) : notFound(request, id);
    case "forbidden":
      request.log.info({ reason: "role does not allow it" }, "request refused: 403");
      return new HttpProblem(403, result.detail);
    case "conflict":
      request.log.info({ reason: "list is archived" }, "request refused: 409");
      return new HttpProblem(409, result.detail);
    default: {
      const summary = result.errors.map((e) => `${e.field}: ${e.message}`).join("; ");
      return new HttpProblem(422, `Validation failed: ${summary}`, { errors: result.errors });
    }
  }
}

/** Distinct query strings and path parameters remembered per route before starting over. */
const VALIDATED_REMEMBERED = 256;

/**
 * zod's validator, remembering what a query string or a route's path parameters validated to:
 * the same few (none, `?limit=20`, `?view=today`) come again and again, and checking them again
 * cost more than the rest of the route's own work. Their schemas are pure (constant defaults, no
 * clock, no state), their values are strings and numbers, and each request gets a copy of its
 * own; a value that fails is checked again every time, so each refusal is the validator's own.
 * Bodies are always checked.
 */
function rememberingValidator(
  route: Parameters<typeof validatorCompiler>[0],
): ReturnType<typeof validatorCompiler> {
  const validate = validatorCompiler(route);
  if (route.httpPart !== "querystring" && route.httpPart !== "params") return validate;
  const valid = new Map<string, object>();
  return (data: unknown) => {
    const key = JSON.stringify(data);
    const known = valid.get(key);
    if (known) return { value: { ...known } };
    const result = validate(data);
    if (typeof result === "object" && "value" in result) {
      const value: unknown = result.value;
      if (typeof value === "object" && value !== null) {
        if (valid.size >= VALIDATED_REMEMBERED) valid.clear();
        valid.set(key, { ...value });
      }
    }
    return result;
  };
}

/**
 * The task routes of the contract. Registered twice with the same handlers: under `/api` and
 * under `/api/:user_id`, where a path that names someone other than the caller is a 403.
 */
export const taskRoutes: FastifyPluginAsyncZod<TaskRoutesOptions> = async (app, options) => {
  app.setValidatorCompiler(rememberingValidator);
  const tasks = new TaskRepository(app.db, app.listIds);
  const feed = new FeedRepository(app.db);
  const pages = app.pageCache;
  const pageCounts = app.metrics.pageCache;
  /** A page's bytes as they were (or are) sent: what Fastify sends for a serialized body. */
  const sendPage = (reply: FastifyReply, page: SentPage) => {
    if (page.link !== undefined) reply.header("Link", page.link);
    return reply.header("content-type", "application/json; charset=utf-8").send(page.body);
  };
  const userParam = options.userInPath
    ? { user_id: z.string().describe("Must be the token's subject") }
    : {};
  const Params = z.object({ ...userParam });
  const IdParams = z.object({ ...userParam, id: z.string().describe("Task id (UUID)") });
  const tags = [options.userInPath ? "tasks (user in path)" : "tasks"];
  const nextOccurrence =
    "Completing a task completes its open subtasks. When this makes a recurring task completed, the same transaction creates its next " +
    'occurrence (once per task) and the answer links it: `Link: </api/tasks/{id}>; rel="next-occurrence"`.';
  const security = [{ bearerAuth: [] }];

  if (options.userInPath) {
    app.addHook("onRequest", async (request) => {
      const params = z.object({ user_id: z.string() }).safeParse(request.params);
      if (params.success && params.data.user_id !== request.user.id) {
        request.log.info({ reason: "path names another user" }, "request refused: 403");
        throw new HttpProblem(403, "You can only access your own tasks");
      }
    });
  }

  const taskId = (request: FastifyRequest, id: string): string => {
    if (!UUID.test(id)) throw notFound(request, id);
    return id.toLowerCase();
  };
  const base = (request: FastifyRequest) =>
    options.userInPath ? `/api/${encodeURIComponent(request.user.id)}/tasks` : "/api/tasks";

  /** The task of an update, or the HTTP answer to why there is none. */
  const answer = (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    result: WriteResult,
  ) => {
    if (result.kind !== "ok") throw writeRefusal(request, id, result);
    if (result.nextId)
      reply.header("Link", `<${base(request)}/${result.nextId}>; rel="next-occurrence"`);
    return result.task;
  };

  app.get(
    "/tasks",
    {
      schema: {
        tags,
        security,
        summary: "List the caller's tasks",
        description:
          "The tasks of every list the caller is a member of (`list` narrows it to one; a list " +
          "the caller is not in is 404). The views leave out tasks assigned to someone else. " +
          'Keyset-paged. When more tasks follow, the `Link` header carries the next page: `<url>; rel="next"`. ' +
          "`view` (with the caller's `today`) is a filter plus an order by due date and, within a day, " +
          "by due time with all-day tasks (no `due_time`) first; cursors work for every view.",
        params: Params,
        querystring: TaskListQuerySchema,
        response: { 200: z.array(TaskSchema), ...errors(400, 401, 403, 404, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const query = request.query;
      const sort = listSort(query);
      const byTime = ordersByTime({ view: query.view, sort });
      const cursor =
        query.cursor === undefined ? undefined : decodeCursor(query.cursor, sort, byTime);
      const options = { ...query, sort, cursor };
      // The default page, unchanged since this copy last sent it to this caller, is sent again
      // as it was: one primary-key read of the caller's version instead of the page's rows.
      const version =
        pages.enabled && isDefaultPage(options) ? await feed.version(request.user.id) : null;
      if (version !== null) {
        const kept = pages.get(request.user.id, request.url, version);
        if (kept) {
          pageCounts.hits += 1;
          return sendPage(reply, kept);
        }
        pageCounts.misses += 1;
      }
      const rows = await tasks.page(request.user.id, options);
      if (!rows) throw listNotFound(request);
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      let link: string | undefined;
      if (rows.length > query.limit && last) {
        const next = new URLSearchParams();
        for (const [name, value] of Object.entries(query)) {
          if (value !== undefined && name !== "cursor") next.set(name, String(value));
        }
        next.set("sort", sort);
        next.set(
          "cursor",
          encodeCursor({ sort, value: sortValue(last, sort, byTime), id: last.id }),
        );
        // Relative (RFC 8288 resolves it against the request's URL): a Host header, which the
        // client chooses, is never copied into what the API tells it to fetch next.
        link = `<${base(request)}?${next.toString()}>; rel="next"`;
      }
      if (version !== null) {
        const sent = { body: Buffer.from(reply.serialize(page) as string), link };
        pages.set(request.user.id, request.url, version, sent);
        return sendPage(reply, sent);
      }
      if (link !== undefined) reply.header("Link", link);
      return page;
    },
  );

  app.get(
    "/tasks/stats",
    {
      schema: {
        tags,
        security,
        summary: "Count the caller's tasks by status and by due date",
        description:
          "One object of counts, equal to what the list and its views return for the same " +
          "`q`, `priority`, `tag` and `today`: `all` (status=all), `pending`, `completed`, " +
          "`overdue`, `today` and `upcoming` (the views), `no_due_date` (due=none).",
        params: Params,
        querystring: TaskStatsQuerySchema,
        response: { 200: TaskStatsSchema, ...errors(401, 403, 404, 422, 429, 503) },
      },
    },
    async (request) => {
      const stats = await tasks.stats(request.user.id, request.query);
      if (!stats) throw listNotFound(request);
      return stats;
    },
  );

  app.post(
    "/tasks",
    {
      schema: {
        tags,
        security,
        summary: "Create a task",
        description:
          "In the caller's Inbox unless `list_id` (or a `parent_id`, whose list it joins) is " +
          "given; a list the caller cannot write is 403 (viewer), 409 (archived) or 404 (not a member).",
        params: Params,
        body: TaskCreateSchema,
        response: {
          201: TaskSchema,
          ...errors(400, 401, 403, 404, 409, 413, 415, 422, 429, 503),
        },
      },
    },
    async (request, reply) => {
      try {
        const result = await tasks.create(request.user.id, request.body);
        if (result.kind !== "ok") throw writeRefusal(request, "", result);
        reply.code(201).header("Location", `${base(request)}/${result.task.id}`);
        return result.task;
      } catch (error) {
        refuseDeletedUser(request, error);
      }
    },
  );

  app.get(
    "/tasks/:id",
    {
      schema: {
        tags,
        security,
        summary: "Get one task",
        params: IdParams,
        response: { 200: TaskSchema, ...errors(401, 403, 404, 429, 503) },
      },
    },
    async (request) => {
      const found = await tasks.findTask(request.user.id, taskId(request, request.params.id));
      if (!found) throw notFound(request, request.params.id);
      return found;
    },
  );

  const update = async (
    request: FastifyRequest<{ Params: { id: string }; Body: z.output<typeof TaskUpdateSchema> }>,
    reply: FastifyReply,
  ) => {
    const result = await tasks.update(
      request.user.id,
      taskId(request, request.params.id),
      request.body,
    );
    return answer(request, reply, request.params.id, result);
  };
  for (const method of ["put", "patch"] as const) {
    app[method](
      "/tasks/:id",
      {
        schema: {
          tags,
          security,
          summary:
            method === "put"
              ? "Update a task (fields absent stay as they are)"
              : "Update a task (same as PUT)",
          description:
            `A new \`remind_at\` re-arms the reminder. A new \`list_id\` moves the task and its ` +
            `subtasks (a subtask moved alone leaves its parent). ${nextOccurrence}`,
          params: IdParams,
          body: TaskUpdateSchema,
          response: {
            200: TaskSchema,
            ...errors(400, 401, 403, 404, 409, 413, 415, 422, 429, 503),
          },
        },
      },
      update,
    );
  }

  app.delete(
    "/tasks/:id",
    {
      schema: {
        tags,
        security,
        summary: "Delete a task",
        params: IdParams,
        description: "Its subtasks are deleted with it.",
        response: {
          204: z.null().describe("Deleted"),
          ...errors(401, 403, 404, 409, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const result = await tasks.remove(request.user.id, taskId(request, request.params.id));
      if (result.kind !== "deleted") throw writeRefusal(request, request.params.id, result);
      return reply.code(204).send(null);
    },
  );

  app.patch(
    "/tasks/:id/complete",
    {
      schema: {
        tags,
        security,
        summary: 'Toggle completed, or set it with {"completed": true|false}',
        description: nextOccurrence,
        params: IdParams,
        body: z.preprocess((value) => value ?? {}, TaskCompleteSchema),
        response: { 200: TaskSchema, ...errors(400, 401, 403, 404, 409, 415, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const result = await tasks.toggle(
        request.user.id,
        taskId(request, request.params.id),
        request.body.completed,
      );
      return answer(request, reply, request.params.id, result);
    },
  );

  app.post(
    "/tasks/:id/toggle",
    {
      schema: {
        tags,
        security,
        summary: "Toggle completed",
        description: nextOccurrence,
        params: IdParams,
        response: { 200: TaskSchema, ...errors(401, 403, 404, 409, 429, 503) },
      },
    },
    async (request, reply) => {
      const result = await tasks.toggle(request.user.id, taskId(request, request.params.id));
      return answer(request, reply, request.params.id, result);
    },
  );
};
