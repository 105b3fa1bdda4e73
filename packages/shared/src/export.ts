import { z } from "zod";

// The JSON export of everything a user owns, and what the import takes back (docs: shared spec
// api.md, "Import and export"). The API writes the export with this schema and validates an
// import with it, so a file the export wrote always imports.

import { ListNameSchema, ListSchema } from "./list.ts";
import { ROLES } from "./list-rules.ts";
import {
  CalendarDateSchema,
  DescriptionSchema,
  DueTimeSchema,
  RecurrenceSchema,
  TagsSchema,
  TaskSchema,
  taskFieldsProblems,
  TitleSchema,
} from "./task.ts";
import { SUBTASK_LEVELS } from "./task-rules.ts";

export const EXPORT_FORMAT = "taskbridge";
export const EXPORT_VERSION = 1;
/** The largest import body the API reads. */
export const IMPORT_BYTES_MAX = 5 * 1024 * 1024;

const Instant = z.iso
  .datetime({ offset: true })
  .transform((value) => new Date(value).toISOString());

/** A task as the API answers it, with the fields an import writes checked as a create checks them. */
export const ExportTaskSchema = TaskSchema.extend({
  id: z.uuid().transform((id) => id.toLowerCase()),
  title: TitleSchema,
  description: DescriptionSchema,
  due_date: CalendarDateSchema.nullable(),
  due_time: DueTimeSchema.nullable(),
  tags: TagsSchema,
  recurrence: RecurrenceSchema.nullable(),
  remind_at: Instant.nullable(),
  reminded_at: Instant.nullable(),
  parent_id: z
    .uuid()
    .transform((id) => id.toLowerCase())
    .nullable(),
})
  .superRefine((task, context) => {
    for (const problem of taskFieldsProblems(task))
      context.addIssue({ code: "custom", path: [problem.field], message: problem.message });
  })
  .meta({ id: "ExportTask" });
export type ExportTask = z.output<typeof ExportTaskSchema>;

export const ExportMemberSchema = z
  .object({ email: z.string(), role: z.enum(ROLES) })
  .meta({ id: "ExportMember" });

export const ExportListSchema = ListSchema.extend({
  id: z.uuid().transform((id) => id.toLowerCase()),
  name: ListNameSchema,
  members: z.array(ExportMemberSchema).describe("Not re-invited by an import"),
  tasks: z.array(ExportTaskSchema),
})
  .superRefine((exported, context) => {
    // Every parent is a task of the same list, and no chain is a loop or deeper than the API allows.
    const parents = new Map(exported.tasks.map((task) => [task.id, task.parent_id]));
    exported.tasks.forEach((task, index) => {
      let depth = 0;
      let parent = task.parent_id;
      const seen = new Set([task.id]);
      while (parent !== null) {
        const next = parents.get(parent);
        if (next === undefined) {
          context.addIssue({
            code: "custom",
            path: ["tasks", index, "parent_id"],
            message: "The parent must be a task of the same list in the file",
          });
          return;
        }
        if (seen.has(parent) || ++depth > SUBTASK_LEVELS) {
          context.addIssue({
            code: "custom",
            path: ["tasks", index, "parent_id"],
            message: `Subtasks form a loop or nest deeper than ${SUBTASK_LEVELS} levels`,
          });
          return;
        }
        seen.add(parent);
        parent = next;
      }
    });
  })
  .meta({ id: "ExportList" });
export type ExportList = z.output<typeof ExportListSchema>;

export const ExportDocumentSchema = z
  .object({
    format: z.literal(EXPORT_FORMAT, { error: `format must be "${EXPORT_FORMAT}"` }),
    version: z.literal(EXPORT_VERSION, { error: `version must be ${EXPORT_VERSION}` }),
    exported_at: z.iso.datetime({ offset: true }),
    lists: z.array(ExportListSchema),
  })
  .superRefine((document, context) => {
    // An id names one list, and one task, in the whole file.
    const lists = new Set<string>();
    const tasks = new Set<string>();
    document.lists.forEach((exported, index) => {
      if (lists.has(exported.id))
        context.addIssue({
          code: "custom",
          path: ["lists", index, "id"],
          message: "Two lists have this id",
        });
      lists.add(exported.id);
      exported.tasks.forEach((task, taskIndex) => {
        if (tasks.has(task.id))
          context.addIssue({
            code: "custom",
            path: ["lists", index, "tasks", taskIndex, "id"],
            message: "Two tasks have this id",
          });
        tasks.add(task.id);
      });
    });
  })
  .meta({ id: "ExportDocument" });
export type ExportDocument = z.output<typeof ExportDocumentSchema>;

export const ImportCountsSchema = z.object({
  created: z.number().int(),
  updated: z.number().int(),
});

export const ImportReportSchema = z
  .object({ lists: ImportCountsSchema, tasks: ImportCountsSchema })
  .meta({ id: "ImportReport" });
export type ImportReport = z.infer<typeof ImportReportSchema>;

/** The most rows (after the header, blank ones aside) one Todoist import takes. */
export const IMPORT_ROWS_MAX = 5000;

export const TodoistSkippedSchema = z
  .object({
    row: z.number().int().describe("The row's number as a spreadsheet shows it (the header is 1)"),
    reason: z.string(),
  })
  .meta({ id: "TodoistSkipped" });
export type TodoistSkipped = z.infer<typeof TodoistSkippedSchema>;

export const TodoistReportSchema = z
  .object({
    created: z.number().int().describe("Tasks created, subtasks included"),
    subtasks: z.number().int().describe("Of those, how many are subtasks"),
    skipped: z
      .array(TodoistSkippedSchema)
      .describe(
        "Rows not taken, and rows taken with less than they said (a date that could not be " +
          "read, a title or description cut), each with why",
      ),
  })
  .meta({ id: "TodoistReport" });
export type TodoistReport = z.infer<typeof TodoistReportSchema>;
