import contentDisposition from "content-disposition";
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { isTimeZone } from "@taskbridge/shared/calendar";
import { IMPORT_BYTES_MAX, IMPORT_ROWS_MAX, TodoistReportSchema } from "@taskbridge/shared/export";
import { ProblemSchema } from "@taskbridge/shared/problem";
import { CalendarDateSchema } from "@taskbridge/shared/task";
import { HttpProblem } from "../problem.ts";
import { membershipOf } from "../repositories/access.ts";
import { refuseWrite } from "../repositories/tasks.ts";
import { TodoistRepository } from "../repositories/todoist.ts";
import { CsvRefused, readCsvUpload, type CsvRow } from "../transfer/csv-file.ts";
import {
  readTodoist,
  TODOIST_REQUIRED,
  todoistRow,
  writeTodoist,
  type TodoistRow,
} from "../transfer/todoist.ts";
import { refuseDeletedUser, UUID } from "./refusals.ts";

const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, ProblemSchema]));

/** The longest row a Todoist file may have: a task's fields and notes, with room to spare. */
const ROW_CHARS_MAX = 64 * 1024;
const LIST_NOT_FOUND = "List not found";

/** A refusal, logged at info with why (never the caller's text), as a problem. */
function refuse(request: FastifyRequest, status: number, reason: string, detail: string) {
  request.log.info({ reason }, `request refused: ${status}`);
  return new HttpProblem(status, detail);
}

type Refusal = { kind: "not-found" } | { kind: "forbidden" | "conflict"; detail: string };

/** Why the caller cannot import into the list, as the problem to answer. */
function refusal(request: FastifyRequest, result: Refusal): HttpProblem {
  if (result.kind === "not-found")
    return refuse(request, 404, "no such list for this user", LIST_NOT_FOUND);
  if (result.kind === "forbidden")
    return refuse(request, 403, "role does not allow it", result.detail);
  return refuse(request, 409, "conflicts with the list's state", result.detail);
}

/**
 * One list as Todoist's CSV template, and a Todoist CSV into a list. The import reads its body
 * itself, whatever its content type (a browser may call a CSV `application/vnd.ms-excel`), so
 * that a file that is not a Todoist CSV is a 422 naming what is wrong with it; its size is
 * checked while it streams in to a temporary file, and its rows are read from there once it is
 * whole, so a file over the limit is refused before anything of it is held.
 */
export const todoistRoutes: FastifyPluginAsyncZod = async (app) => {
  const todoist = new TodoistRepository(app.db, app.listIds);
  const tags = ["import and export"];
  const security = [{ bearerAuth: [] }];
  const ListParams = z.object({ id: z.string().describe("List id (UUID)") });

  /** A list id from the path; anything that is not a UUID names no list. */
  const listId = (request: FastifyRequest, id: string): string => {
    if (!UUID.test(id)) throw refuse(request, 404, "not a list id", LIST_NOT_FOUND);
    return id.toLowerCase();
  };

  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (request, payload, done) => {
    const length = Number(request.headers["content-length"]);
    readCsvUpload(
      payload,
      Number.isSafeInteger(length) ? length : undefined,
      { bytes: IMPORT_BYTES_MAX, rows: IMPORT_ROWS_MAX, rowChars: ROW_CHARS_MAX },
      TODOIST_REQUIRED,
      "Todoist CSV",
      todoistRow,
    ).then(
      (file) => done(null, file),
      (error: unknown) =>
        done(error instanceof CsvRefused ? new HttpProblem(422, error.detail) : (error as Error)),
    );
  });

  app.get(
    "/lists/:id/export.csv",
    {
      schema: {
        tags,
        security,
        summary: "Export a list as Todoist's CSV template",
        description:
          "The list's open tasks as Todoist's CSV template (UTF-8 with a BOM, CRLF), so a " +
          "person can take them to Todoist: each top-level task, then its subtasks with INDENT " +
          "one more; tags as `@label` words of CONTENT (spaces as `_`); `high` as PRIORITY 1 and " +
          "`medium` and `low` as 4; DATE as absolute text Todoist and this API read alike " +
          "(`2026-12-24 17:00`, `every friday starting 2026-12-11`). What those words cannot say of " +
          "a recurrence (COUNT, UNTIL, the last day of the month) is left out. Completed tasks, " +
          "and open ones under a completed task, are not in it. Sent as an attachment named " +
          "after the list. Needs read access.",
        params: ListParams,
        response: {
          200: z.string().describe("text/csv: Todoist's CSV template"),
          ...errors(401, 404, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const id = listId(request, request.params.id);
      const found = await todoist.openTasksOf(request.user.id, id);
      if (!found) throw refusal(request, { kind: "not-found" });
      return reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", contentDisposition(`${found.name}.csv`))
        .header("cache-control", "no-store")
        .send(writeTodoist(found.tasks));
    },
  );

  app.post(
    "/lists/:id/import/todoist",
    {
      // The caller's right to write is checked before the body is read.
      preParsing: async (request) => {
        const membership = await membershipOf(
          app.db,
          request.user.id,
          listId(request, request.params.id),
        );
        const refused = membership ? refuseWrite(membership) : { kind: "not-found" as const };
        if (refused) throw refusal(request, refused as Refusal);
      },
      schema: {
        tags,
        security,
        summary: "Import a Todoist CSV into a list",
        description:
          "A Todoist CSV template (any content type; up to 5 MB and 5,000 rows) into the list; " +
          "needs write access. `task` rows become tasks (`@label` words of CONTENT become tags; " +
          "PRIORITY 1 and 2 are `high`, the rest `medium`; INDENT 2 to 4 a subtask of the " +
          "nearest task above with one less); `note` rows are added to the description of the " +
          "task above; a `section` row tags the tasks under it with its name. DATE is read as " +
          "the board's quick add reads it (`tomorrow 5pm`, `Dec 24`, `every friday`), relative " +
          "to now in the row's TIMEZONE, else in `tz` on `today`, else in UTC; a date that " +
          "cannot be read is kept at the end of the description as `Due: …`. One transaction: a " +
          "file that is not a Todoist CSV (no TYPE and CONTENT header, JSON, a spreadsheet, " +
          "empty) or is over a limit is a 422 naming the problem, and creates nothing. The " +
          "answer reports what was made and every row not taken as it was, with why.",
        params: ListParams,
        querystring: z.object({
          today: CalendarDateSchema.optional().describe(
            "The caller's date (YYYY-MM-DD) for relative dates of rows without a TIMEZONE",
          ),
          tz: z
            .string()
            .refine(isTimeZone, "Must be an IANA time zone such as Europe/Paris")
            .optional()
            .describe("The caller's IANA time zone, for rows without a TIMEZONE"),
        }),
        response: {
          200: TodoistReportSchema,
          ...errors(400, 401, 403, 404, 409, 422, 429, 503),
        },
      },
    },
    async (request) => {
      const file = request.body as Array<CsvRow<TodoistRow>> | undefined;
      if (file === undefined)
        throw new HttpProblem(422, "The file is empty: expected a Todoist CSV");
      const reading = readTodoist(file, {
        now: new Date(),
        zone: request.query.tz ?? "UTC",
        ...(request.query.today ? { today: request.query.today } : {}),
      });
      const id = listId(request, request.params.id);
      try {
        const result = await todoist.importInto(request.user.id, id, reading.tasks);
        if (result.kind !== "ok") throw refusal(request, result);
        return { created: result.created, subtasks: result.subtasks, skipped: reading.skipped };
      } catch (error) {
        if (error instanceof HttpProblem) throw error;
        return refuseDeletedUser(request, error);
      }
    },
  );
};
