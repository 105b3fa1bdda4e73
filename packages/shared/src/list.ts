import { z } from "zod";

// Lists, members and invites of the task API (docs: shared spec api.md, "Lists, subtasks and
// sharing"). The API validates with these schemas and generates its OpenAPI document from them.

import { LIST_COLORS, LIST_NAME_MAX, MEMBER_ROLES, ROLES } from "./list-rules.ts";

export * from "./list-rules.ts";

export const ListColorSchema = z.enum(LIST_COLORS);

export const ListNameSchema = z
  .string()
  .trim()
  .min(1, "Name must not be empty")
  .max(LIST_NAME_MAX, `Name must be at most ${LIST_NAME_MAX} characters`)
  .regex(/^[^\0]*$/, "Name must not contain a NUL character (\\u0000)");

export const ListSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    color: ListColorSchema,
    is_inbox: z.boolean(),
    archived: z.boolean(),
    owner_id: z.string(),
    owner_name: z.string().describe("The owner's name, as a shared list's members see it"),
    role: z.enum(ROLES).describe("The caller's role in this list"),
    member_count: z.number().int(),
    pending_count: z.number().int().describe("Tasks not completed"),
    task_count: z
      .number()
      .int()
      .describe("All its tasks, completed or not (what deleting it takes)"),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .meta({ id: "List" });
export type List = z.infer<typeof ListSchema>;

export const ListCreateSchema = z
  .strictObject({ name: ListNameSchema, color: ListColorSchema.default("gray") })
  .meta({ id: "ListCreate" });

export const ListUpdateSchema = z
  .strictObject({
    name: ListNameSchema.optional(),
    color: ListColorSchema.optional(),
    archived: z.boolean().optional().describe("An archived list's tasks are read-only"),
  })
  .meta({ id: "ListUpdate" });

export const ListQuerySchema = z.strictObject({
  archived: z
    .enum(["true", "false"])
    .default("false")
    .transform((value) => value === "true")
    .describe("true: archived lists too"),
});

export const MemberSchema = z
  .object({
    user_id: z.string(),
    name: z.string(),
    email: z.string(),
    role: z.enum(ROLES),
    joined_at: z.iso.datetime(),
  })
  .meta({ id: "Member" });
export type Member = z.infer<typeof MemberSchema>;

export const MemberUpdateSchema = z
  .strictObject({ role: z.enum(MEMBER_ROLES) })
  .meta({ id: "MemberUpdate" });

export const InviteCreateSchema = z
  .strictObject({
    role: z.enum(MEMBER_ROLES),
    max_uses: z.number().int().min(1).max(100).default(1),
    expires_in_days: z.number().int().min(1).max(30).default(7),
  })
  .meta({ id: "InviteCreate" });

export const InviteSchema = z
  .object({
    id: z.uuid(),
    role: z.enum(MEMBER_ROLES),
    uses: z.number().int(),
    max_uses: z.number().int(),
    expires_at: z.iso.datetime(),
    created_at: z.iso.datetime(),
  })
  .meta({ id: "Invite" });
export type Invite = z.infer<typeof InviteSchema>;

export const InviteCreatedSchema = InviteSchema.extend({
  token: z.string().describe("Shown only in this answer"),
  url: z.string().describe("<web origin>/invite/<token>"),
}).meta({ id: "InviteCreated" });
export type InviteCreated = z.infer<typeof InviteCreatedSchema>;

export const InvitePreviewSchema = z
  .object({
    list: z.object({ name: z.string(), color: ListColorSchema }),
    inviter: z.object({ name: z.string() }),
    role: z.enum(MEMBER_ROLES),
    expires_at: z.iso.datetime(),
  })
  .meta({ id: "InvitePreview" });
export type InvitePreview = z.infer<typeof InvitePreviewSchema>;
