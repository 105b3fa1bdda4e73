import { readFile } from "node:fs/promises";
import type { Readable } from "node:stream";
import sjson from "secure-json-parse";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  ExportDocumentSchema,
  EXPORT_FORMAT,
  EXPORT_VERSION,
  IMPORT_BYTES_MAX,
  ImportReportSchema,
} from "@taskbridge/shared/export";
import { ProblemSchema } from "@taskbridge/shared/problem";
import { HttpProblem } from "../problem.ts";
import { spool, UploadTooLarge } from "../transfer/spool.ts";
import { CallerGone, ImportRefused, TransferRepository } from "../repositories/transfer.ts";
import { refuseDeletedUser, refuseGoneUser } from "./refusals.ts";

const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, ProblemSchema]));

/** The body of an import as read: JSON, or why it is not. */
type ImportBody = { json: unknown } | { notJson: true };

const MIB = 1024 * 1024;

/** Spools an import's body to disk within the limit, then parses it whole. */
async function readJsonUpload(
  payload: Readable,
  declaredLength: number | undefined,
): Promise<ImportBody> {
  const file = await spool(payload, declaredLength, IMPORT_BYTES_MAX);
  try {
    const text = await readFile(file.path, "utf8");
    try {
      const json: unknown = sjson.parse(text, undefined, {
        protoAction: "remove",
        constructorAction: "remove",
      });
      return { json } satisfies ImportBody;
    } catch {
      return { notJson: true } satisfies ImportBody;
    }
  } finally {
    await file.dispose();
  }
}

/**
 * `GET /api/export` and `POST /api/import`: everything a user owns as one JSON document, and
 * that document back. The import reads its body itself (up to 5 MB), so a file that is not JSON
 * is a 422 naming the problem, as is one that is JSON but not an export.
 */
export const transferRoutes: FastifyPluginAsyncZod = async (app) => {
  const transfer = new TransferRepository(app.db, app.listIds);
  const tags = ["import and export"];
  const security = [{ bearerAuth: [] }];

  // In this plugin only: JSON that does not parse reaches the route, which answers 422.
  app.removeAllContentTypeParsers();
  // The body is written to a temporary file as it arrives and read once whole, so one over the
  // limit is refused (413) having held nothing, whether or not it declared its length.
  app.addContentTypeParser("application/json", (request, payload, done) => {
    const length = Number(request.headers["content-length"]);
    readJsonUpload(payload, Number.isSafeInteger(length) ? length : undefined).then(
      (body) => done(null, body),
      (error: unknown) =>
        done(
          error instanceof UploadTooLarge
            ? new HttpProblem(413, `Request body is larger than ${IMPORT_BYTES_MAX / MIB} MB`)
            : (error as Error),
        ),
    );
  });

  app.get(
    "/export",
    {
      schema: {
        tags,
        security,
        summary: "Export everything the caller owns as JSON",
        description:
          `\`{ "format": "${EXPORT_FORMAT}", "version": ${EXPORT_VERSION}, "exported_at", ` +
          '"lists": [{ …List, "members": [{ "email", "role" }], "tasks": [Task…] }] }`: every list ' +
          "the caller owns (the Inbox and archived lists too; never a list they are only a " +
          "member of), with all its tasks and subtasks. Sent as an attachment " +
          "`taskbridge-<YYYY-MM-DD>.json`; `POST /api/import` takes it back.",
        response: { 200: z.unknown().describe("The export document"), ...errors(401, 429, 503) },
      },
    },
    async (request, reply) => {
      const document = await transfer.exportOf(request.user.id);
      const day = document.exported_at.slice(0, 10);
      reply
        .header("content-disposition", `attachment; filename="taskbridge-${day}.json"`)
        .header("cache-control", "no-store");
      return document;
    },
  );

  app.post(
    "/import",
    {
      bodyLimit: IMPORT_BYTES_MAX,
      schema: {
        tags,
        security,
        summary: "Import a Taskbridge JSON export",
        description:
          "The document of `GET /api/export` (up to 5 MB, `application/json`). Its lists and " +
          "tasks are created anew for the caller (new ids, the same fields; subtasks under " +
          "their new parents; completed, recurrence and reminders restored as they were, so " +
          "a completed recurring task spawns nothing); the exported Inbox's tasks go to the " +
          "caller's Inbox. Members are not invited again and assignees are cleared. Importing " +
          "the same file again updates what the first import made instead of making copies; " +
          "ids of another user's lists or tasks in a file only ever create rows of the caller. " +
          "One transaction: a file that is not JSON, not an export, or has an invalid field is " +
          "a 422 naming the problem, and changes nothing. The answer reports what was done: " +
          '`{ "lists": { "created", "updated" }, "tasks": { "created", "updated" } }` (the ' +
          "Inbox, merged, is not counted among lists).",
        response: {
          200: ImportReportSchema,
          ...errors(400, 401, 409, 413, 415, 422, 429, 503),
        },
      },
    },
    async (request) => {
      const body = request.body as ImportBody | undefined;
      if (body === undefined || "notJson" in body)
        throw new HttpProblem(422, "The file is not JSON: expected a Taskbridge export");
      const parsed = ExportDocumentSchema.safeParse(body.json);
      if (!parsed.success) {
        const problems = parsed.error.issues.slice(0, 20).map((issue) => ({
          field: issue.path.join(".") || "body",
          message: issue.message,
        }));
        const summary = problems.map((p) => `${p.field}: ${p.message}`).join("; ");
        throw new HttpProblem(422, `Not a Taskbridge export: ${summary}`, { errors: problems });
      }
      try {
        return await transfer.importFor(request.user.id, parsed.data);
      } catch (error) {
        if (error instanceof ImportRefused) throw new HttpProblem(409, error.detail);
        if (error instanceof CallerGone) refuseGoneUser(request);
        return refuseDeletedUser(request, error);
      }
    },
  );
};
