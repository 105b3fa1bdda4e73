import { z } from "zod";

// The Task contract of the task API (docs: shared spec api.md). The API validates with these
// schemas and generates its OpenAPI document from them; the web app types its calls with them.

import {
  DESCRIPTION_MAX,
  PRIORITIES,
  SORT_KEYS,
  STATUSES,
  TAG_MAX,
  TAGS_MAX,
  TITLE_MAX,
  type Task as TaskShape,
} from "./task-rules.ts";

export * from "./task-rules.ts";

export const PrioritySchema = z.enum(PRIORITIES);

const isoDate = /^\d{4}-\d{2}-\d{2}$/;

/**
 * PostgreSQL cannot store a NUL character in text: refused here, as a 422 naming the field,
 * rather than by the database as a 500.
 */
const NO_NUL = /^[^\0]*$/;
const noNul = (name: string) => `${name} must not contain a NUL character (\\u0000)`;

/** A date PostgreSQL and ISO 8601's four-digit years can both hold: years 0001 to 9999. */
const inStorableYears = (iso: string) => /^\d{4}-/.test(iso) && !iso.startsWith("0000-");

/** An ISO 8601 date (`2026-01-15`) or date-time with offset; normalised to a UTC instant. */
export const DueDateSchema = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })])
  .transform((value) =>
    isoDate.test(value) ? `${value}T00:00:00.000Z` : new Date(value).toISOString(),
  )
  .refine(inStorableYears, "Due date must be between the years 0001 and 9999 (UTC)")
  .meta({
    description: "ISO 8601 date or date-time; returned as a UTC date-time",
    examples: ["2026-01-15", "2026-01-15T17:00:00Z"],
  });

export const TitleSchema = z
  .string()
  .trim()
  .min(1, "Title must not be empty")
  .max(TITLE_MAX, `Title must be at most ${TITLE_MAX} characters`)
  .regex(NO_NUL, noNul("Title"));

export const DescriptionSchema = z
  .string()
  .max(DESCRIPTION_MAX, `Description must be at most ${DESCRIPTION_MAX} characters`)
  .regex(NO_NUL, noNul("Description"))
  .nullable();

export const TagsSchema = z
  .array(
    z
      .string()
      .trim()
      .min(1, "A tag must not be empty")
      .max(TAG_MAX, `A tag must be at most ${TAG_MAX} characters`)
      .regex(NO_NUL, noNul("A tag")),
  )
  .max(TAGS_MAX, `At most ${TAGS_MAX} tags`)
  .refine((tags) => new Set(tags).size === tags.length, "Tags must be distinct");

export const TaskSchema = z
  .object({
    id: z.uuid(),
    user_id: z.string(),
    title: z.string(),
    description: z.string().nullable(),
    completed: z.boolean(),
    priority: PrioritySchema,
    due_date: z.iso.datetime().nullable(),
    tags: z.array(z.string()),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .meta({ id: "Task" });
// The plain Task type of task-rules.ts and this schema must agree.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _taskTypesAgree: Same<z.infer<typeof TaskSchema>, TaskShape> = true;
void _taskTypesAgree;

/** Fields a client may not set; present in a body they are ignored, so a fetched Task can be sent back. */
const readOnly = {
  id: z.unknown().optional(),
  user_id: z.unknown().optional(),
  created_at: z.unknown().optional(),
  updated_at: z.unknown().optional(),
};

const stripReadOnly = <T extends Record<string, unknown>>({
  id: _id,
  user_id: _userId,
  created_at: _createdAt,
  updated_at: _updatedAt,
  ...rest
}: T & Partial<Record<keyof typeof readOnly, unknown>>) => rest;

/** The fields a client may set, all optional; create then requires a title. */
const writableFields = {
  title: TitleSchema.optional(),
  description: DescriptionSchema.optional(),
  completed: z.boolean().optional(),
  priority: PrioritySchema.optional(),
  due_date: DueDateSchema.nullable().optional(),
  tags: TagsSchema.optional(),
};

export const TaskCreateSchema = z
  .strictObject({ ...writableFields, title: TitleSchema, ...readOnly })
  .transform(stripReadOnly)
  .meta({ id: "TaskCreate" });
export type TaskCreate = z.input<typeof TaskCreateSchema>;
export type TaskCreateParsed = z.output<typeof TaskCreateSchema>;

export const TaskUpdateSchema = z
  .strictObject({ ...writableFields, ...readOnly })
  .transform(stripReadOnly)
  .meta({ id: "TaskUpdate" });
export type TaskUpdate = z.input<typeof TaskUpdateSchema>;
export type TaskUpdateParsed = z.output<typeof TaskUpdateSchema>;

export const TaskCompleteSchema = z
  .strictObject({ completed: z.boolean().optional() })
  .meta({ id: "TaskComplete" });

export const SortSchema = z
  .enum([...SORT_KEYS, ...SORT_KEYS.map((key) => `-${key}` as const)])
  .default("-created");

export const TaskListQuerySchema = z.strictObject({
  status: z.enum(STATUSES).default("all"),
  q: z.string().trim().max(200).regex(NO_NUL, noNul("The search text")).optional(),
  priority: PrioritySchema.optional(),
  tag: z.string().trim().min(1).max(TAG_MAX).regex(NO_NUL, noNul("A tag")).optional(),
  sort: SortSchema,
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(1024).optional(),
});
export type TaskListQuery = z.input<typeof TaskListQuerySchema>;
export type TaskListQueryParsed = z.output<typeof TaskListQuerySchema>;

export const MeSchema = z
  .object({ id: z.string(), email: z.string().nullable(), name: z.string().nullable() })
  .meta({ id: "Me" });
export type Me = z.infer<typeof MeSchema>;
