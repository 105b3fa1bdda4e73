import * as z from "zod/mini";
import { LIST_COLORS, MEMBER_ROLES, ROLES } from "./list-rules.ts";
import type { Invite, InviteCreated, InvitePreview, List, Member } from "./list.ts";

// The list API's answers as the browser reads them (see task-mini.ts for why `zod/mini`).

export const ListAnswerSchema = z.object({
  id: z.string(),
  name: z.string(),
  color: z.enum(LIST_COLORS),
  is_inbox: z.boolean(),
  archived: z.boolean(),
  owner_id: z.string(),
  owner_name: z.string(),
  role: z.enum(ROLES),
  member_count: z.number(),
  pending_count: z.number(),
  task_count: z.number(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ListAnswer = z.output<typeof ListAnswerSchema>;
export const ListsAnswerSchema = z.array(ListAnswerSchema);

export const MemberAnswerSchema = z.object({
  user_id: z.string(),
  name: z.string(),
  email: z.string(),
  role: z.enum(ROLES),
  joined_at: z.string(),
});
export type MemberAnswer = z.output<typeof MemberAnswerSchema>;
export const MembersAnswerSchema = z.array(MemberAnswerSchema);

export const InviteAnswerSchema = z.object({
  id: z.string(),
  role: z.enum(MEMBER_ROLES),
  uses: z.number(),
  max_uses: z.number(),
  expires_at: z.string(),
  created_at: z.string(),
});
export type InviteAnswer = z.output<typeof InviteAnswerSchema>;
export const InvitesAnswerSchema = z.array(InviteAnswerSchema);

export const InviteCreatedAnswerSchema = z.extend(InviteAnswerSchema, {
  token: z.string(),
  url: z.string(),
});
export type InviteCreatedAnswer = z.output<typeof InviteCreatedAnswerSchema>;

export const InvitePreviewAnswerSchema = z.object({
  list: z.object({ name: z.string(), color: z.enum(LIST_COLORS) }),
  inviter: z.object({ name: z.string() }),
  role: z.enum(MEMBER_ROLES),
  expires_at: z.string(),
});
export type InvitePreviewAnswer = z.output<typeof InvitePreviewAnswerSchema>;

// These schemas and the contract's must agree.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _agree: [
  Same<ListAnswer, List>,
  Same<MemberAnswer, Member>,
  Same<InviteAnswer, Invite>,
  Same<InviteCreatedAnswer, InviteCreated>,
  Same<InvitePreviewAnswer, InvitePreview>,
] = [true, true, true, true, true];
void _agree;
