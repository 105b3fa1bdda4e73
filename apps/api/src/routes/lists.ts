import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { ProblemSchema } from "@taskbridge/shared/problem";
import {
  InviteCreatedSchema,
  InviteCreateSchema,
  InvitePreviewSchema,
  InviteSchema,
  ListCreateSchema,
  ListQuerySchema,
  ListSchema,
  ListUpdateSchema,
  MemberSchema,
  MemberUpdateSchema,
  OWNED_LISTS_MAX,
} from "@taskbridge/shared/list";
import { HttpProblem } from "../problem.ts";
import { ListRepository, type ListOutcome, type ListRefusal } from "../repositories/lists.ts";
import { refuseDeletedUser, UUID } from "./refusals.ts";

/** Accepts per user and minute: an invite token is not to be guessed by trying. */
export const INVITE_ACCEPTS_PER_MINUTE = 10;

const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, ProblemSchema]));

const DETAILS = {
  List: "List not found",
  Member: "Member not found",
  Invite: "Invite not found",
} as const;
/** The one answer for an unknown, revoked, expired or used-up invite token. */
export const INVITE_GONE = "Invite not found or no longer valid";

/** A refusal, logged at info with why (never the caller's text), as a problem. */
function refuse(request: FastifyRequest, status: number, reason: string, detail: string) {
  request.log.info({ reason }, `request refused: ${status}`);
  return new HttpProblem(status, detail);
}

function refusal(request: FastifyRequest, result: ListRefusal): HttpProblem {
  switch (result.kind) {
    case "not-found":
      return refuse(
        request,
        404,
        `no such ${result.what.toLowerCase()} for this user`,
        DETAILS[result.what],
      );
    case "forbidden":
      return refuse(request, 403, "role does not allow it", result.detail);
    default:
      return refuse(request, 409, "conflicts with the list's state", result.detail);
  }
}

function unwrap<T>(request: FastifyRequest, result: ListOutcome<T>): T {
  if (result.kind !== "ok") throw refusal(request, result);
  return result.value;
}

/**
 * Lists, their members and invite links: every route starts from the caller's membership, so a
 * list they are not in is 404 exactly as one that does not exist, and a member without the right
 * gets 403 naming it.
 */
export const listRoutes: FastifyPluginAsyncZod = async (app) => {
  const lists = new ListRepository(app.db, app.listIds);
  const tags = ["lists"];
  const security = [{ bearerAuth: [] }];
  const ListParams = z.object({ id: z.string().describe("List id (UUID)") });
  const MemberParams = ListParams.extend({ user_id: z.string().describe("The member's user id") });
  const InviteParams = ListParams.extend({ invite_id: z.string().describe("Invite id (UUID)") });
  const TokenParams = z.object({ token: z.string().describe("The token of an invite link") });

  /** A list id from the path; anything that is not a UUID names no list. */
  const listId = (request: FastifyRequest, id: string): string => {
    if (!UUID.test(id)) throw refuse(request, 404, "not a list id", DETAILS.List);
    return id.toLowerCase();
  };

  app.get(
    "/lists",
    {
      schema: {
        tags,
        security,
        summary: "List the caller's lists",
        description:
          "Owned and shared with the caller, each with the caller's `role`, `member_count` and " +
          "`pending_count`. The Inbox first, then by name (case-insensitively); archived lists " +
          "only with `archived=true`.",
        querystring: ListQuerySchema,
        response: { 200: z.array(ListSchema), ...errors(401, 422, 429, 503) },
      },
    },
    async (request) => lists.listsOf(request.user.id, { archived: request.query.archived }),
  );

  app.post(
    "/lists",
    {
      schema: {
        tags,
        security,
        summary: "Create a list",
        description:
          `The caller becomes its owner. A user owns at most ${OWNED_LISTS_MAX} lists besides ` +
          "the Inbox; one more is 409.",
        body: ListCreateSchema,
        response: { 201: ListSchema, ...errors(400, 401, 409, 413, 415, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const created = await lists
        .create(request.user.id, request.body)
        .catch((error: unknown) => refuseDeletedUser(request, error));
      const value = unwrap(request, created);
      reply.code(201).header("Location", `/api/lists/${value.id}`);
      return value;
    },
  );

  app.get(
    "/lists/:id",
    {
      schema: {
        tags,
        security,
        summary: "Get one list",
        description: "Any member may read it; anyone else gets 404.",
        params: ListParams,
        response: { 200: ListSchema, ...errors(401, 404, 429, 503) },
      },
    },
    async (request) => {
      const found = await lists.find(request.user.id, listId(request, request.params.id));
      if (!found) throw refuse(request, 404, "no such list for this user", DETAILS.List);
      return found;
    },
  );

  app.patch(
    "/lists/:id",
    {
      schema: {
        tags,
        security,
        summary: "Rename, recolour, archive or restore a list",
        description:
          "Owner only (also while archived, to restore it). An archived list's tasks are " +
          "read-only: writes to them get 409. The Inbox cannot be renamed or archived (409).",
        params: ListParams,
        body: ListUpdateSchema,
        response: {
          200: ListSchema,
          ...errors(400, 401, 403, 404, 409, 413, 415, 422, 429, 503),
        },
      },
    },
    async (request) =>
      unwrap(
        request,
        await lists.update(request.user.id, listId(request, request.params.id), request.body),
      ),
  );

  app.delete(
    "/lists/:id",
    {
      schema: {
        tags,
        security,
        summary: "Delete a list with all its tasks",
        description: "Owner only. Its tasks, members and invites go with it. The Inbox: 409.",
        params: ListParams,
        response: { 204: z.null().describe("Deleted"), ...errors(401, 403, 404, 409, 429, 503) },
      },
    },
    async (request, reply) => {
      unwrap(request, await lists.remove(request.user.id, listId(request, request.params.id)));
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/lists/:id/members",
    {
      schema: {
        tags,
        security,
        summary: "List a list's members",
        description: "Any member may read them; the owner first, then in the order they joined.",
        params: ListParams,
        response: { 200: z.array(MemberSchema), ...errors(401, 404, 429, 503) },
      },
    },
    async (request) => {
      const members = await lists.members(request.user.id, listId(request, request.params.id));
      if (!members) throw refuse(request, 404, "no such list for this user", DETAILS.List);
      return members;
    },
  );

  app.patch(
    "/lists/:id/members/:user_id",
    {
      schema: {
        tags,
        security,
        summary: "Change a member's role",
        description: "Owner only; `editor` or `viewer`. The owner's own role cannot change (409).",
        params: MemberParams,
        body: MemberUpdateSchema,
        response: {
          200: MemberSchema,
          ...errors(400, 401, 403, 404, 409, 413, 415, 422, 429, 503),
        },
      },
    },
    async (request) => {
      const id = listId(request, request.params.id);
      const memberId = request.params.user_id;
      // A NUL cannot be in a user id, nor be sent to PostgreSQL in text.
      if (memberId.includes("\0")) throw refuse(request, 404, "not a user id", DETAILS.Member);
      return unwrap(request, await lists.setRole(request.user.id, id, memberId, request.body.role));
    },
  );

  app.delete(
    "/lists/:id/members/:user_id",
    {
      schema: {
        tags,
        security,
        summary: "Remove a member, or leave a list",
        description:
          "The owner removes anyone but themself; any other member may remove themself (leave). " +
          "The owner cannot leave (409). Their assignments in the list are cleared, and they " +
          "lose access with their next request.",
        params: MemberParams,
        response: { 204: z.null().describe("Removed"), ...errors(401, 403, 404, 409, 429, 503) },
      },
    },
    async (request, reply) => {
      const id = listId(request, request.params.id);
      const memberId = request.params.user_id;
      if (memberId.includes("\0")) throw refuse(request, 404, "not a user id", DETAILS.Member);
      unwrap(request, await lists.removeMember(request.user.id, id, memberId));
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/lists/:id/invites",
    {
      schema: {
        tags,
        security,
        summary: "Make an invite link",
        description:
          "Owner only; the Inbox cannot be shared (409). The answer carries the `token` and the " +
          "`url` to hand over (`<web origin>/invite/<token>`); they are shown only here, since " +
          "only a hash of the token is kept.",
        params: ListParams,
        body: InviteCreateSchema,
        response: {
          201: InviteCreatedSchema,
          ...errors(400, 401, 403, 404, 409, 413, 415, 422, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const id = listId(request, request.params.id);
      const created = unwrap(request, await lists.createInvite(request.user.id, id, request.body));
      reply.code(201);
      return { ...created, url: `${app.config.issuer}/invite/${created.token}` };
    },
  );

  app.get(
    "/lists/:id/invites",
    {
      schema: {
        tags,
        security,
        summary: "List a list's open invites",
        description: "Owner only: those not revoked, not expired and not used up; never a token.",
        params: ListParams,
        response: { 200: z.array(InviteSchema), ...errors(401, 403, 404, 429, 503) },
      },
    },
    async (request) =>
      unwrap(request, await lists.openInvites(request.user.id, listId(request, request.params.id))),
  );

  app.delete(
    "/lists/:id/invites/:invite_id",
    {
      schema: {
        tags,
        security,
        summary: "Revoke an invite",
        description:
          "Owner only. The link stops working at once. Revoking an invite again changes nothing " +
          "and answers 204 too.",
        params: InviteParams,
        response: { 204: z.null().describe("Revoked"), ...errors(401, 403, 404, 429, 503) },
      },
    },
    async (request, reply) => {
      const id = listId(request, request.params.id);
      const inviteId = request.params.invite_id;
      if (!UUID.test(inviteId)) throw refuse(request, 404, "not an invite id", DETAILS.Invite);
      unwrap(request, await lists.revokeInvite(request.user.id, id, inviteId.toLowerCase()));
      return reply.code(204).send(null);
    },
  );

  const inviteGone = (request: FastifyRequest) =>
    refuse(request, 404, "invite token not usable", INVITE_GONE);

  app.get(
    "/invites/:token",
    {
      schema: {
        tags,
        security,
        summary: "What an invite link offers",
        description:
          "For any signed-in user: the list's name and colour, who invited, the role and when " +
          "the link expires. An unknown, revoked, expired or used-up token is the same 404.",
        params: TokenParams,
        response: { 200: InvitePreviewSchema, ...errors(401, 404, 429, 503) },
      },
    },
    async (request) => {
      const preview = await lists.previewInvite(request.params.token);
      if (!preview) throw inviteGone(request);
      return preview;
    },
  );

  app.post(
    "/invites/:token/accept",
    {
      config: { rateLimit: { max: INVITE_ACCEPTS_PER_MINUTE, timeWindow: 60_000 } },
      schema: {
        tags,
        security,
        summary: "Accept an invite: join its list",
        description:
          "Joins the list with the invite's role; a member keeps the higher of their role and " +
          "the invite's, and an accept that changes nothing does not use up the invite. " +
          "Answers the list as the caller now sees it. An unknown, revoked, expired or used-up " +
          `token is the same 404. At most ${INVITE_ACCEPTS_PER_MINUTE} accepts a minute per user.`,
        params: TokenParams,
        response: { 200: ListSchema, ...errors(401, 404, 429, 503) },
      },
    },
    async (request) => {
      const joined = await lists
        .acceptInvite(request.user.id, request.params.token)
        .catch((error: unknown) => refuseDeletedUser(request, error));
      if (!joined) throw inviteGone(request);
      // The auth-event log's line for it, in the web app's shape (see README, "Auth-event log");
      // the request's logger already names the user (userId).
      request.log.info(
        {
          event: "invite-accepted",
          ip: request.ip,
          requestId: request.id,
          listId: joined.id,
        },
        "auth event",
      );
      return joined;
    },
  );
};
