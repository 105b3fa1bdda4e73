import { createHash, randomBytes } from "node:crypto";
import { and, asc, desc, eq, gt, isNull, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Database } from "@taskbridge/db/client";
import type { ListIdsCache } from "../live/list-ids.ts";
import {
  list,
  listInvite,
  listMember,
  listRole,
  task,
  user,
  type ListRole,
} from "@taskbridge/db/schema";
import {
  INBOX_NAME,
  OWNED_LISTS_MAX,
  type Invite,
  type List,
  type ListColor,
  type Member,
} from "@taskbridge/shared/list";
import { membershipOf, type Membership, type Transaction } from "./access.ts";
import { VIEW_ONLY } from "./tasks.ts";

// Lists, their members and their invites. Every method takes the caller and starts from their
// membership (access.ts), so a list they are not in is "not found", never "forbidden".

/** Why a request changed nothing. */
export type ListRefusal =
  | { kind: "not-found"; what: "List" | "Member" | "Invite" }
  | { kind: "forbidden"; detail: string }
  | { kind: "conflict"; detail: string };

export type ListOutcome<T> = ListRefusal | { kind: "ok"; value: T };

/** What only the owner may do, each named as the 403 of an editor names it. */
export type OwnerRight = "change" | "delete" | "members" | "share";

const OWNER_ONLY: Record<OwnerRight, string> = {
  change: "Only the list's owner can rename, recolour or archive it",
  delete: "Only the list's owner can delete it",
  members: "Only the list's owner can change its members",
  share: "Only the list's owner can share it",
};

const notFound = (what: "List" | "Member" | "Invite") => ({ kind: "not-found", what }) as const;
const conflict = (detail: string) => ({ kind: "conflict", detail }) as const;
const ok = <T>(value: T) => ({ kind: "ok", value }) as const;

/** Null when `membership` holds `right`, else why not (viewers are told they can only view). */
function refuseUnlessOwner(membership: Membership, right: OwnerRight): ListRefusal | null {
  if (membership.role === "owner") return null;
  return {
    kind: "forbidden",
    detail: membership.role === "viewer" ? VIEW_ONLY : OWNER_ONLY[right],
  };
}

/** How much a role may do: a member who accepts an invite keeps the higher of the two. */
const RANK: Record<ListRole, number> = { owner: 3, editor: 2, viewer: 1 };

/** Seed of the advisory lock that serialises one owner's list creations (see `create`). */
export const OWNED_LISTS_LOCK = 201;
/** 256 random bits; the spec asks for at least 128. */
const INVITE_TOKEN_BYTES = 32;

export function hashInviteToken(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

/** A new invite token: random bytes as base64url (no padding), safe in a URL path. */
export function newInviteToken(): string {
  return randomBytes(INVITE_TOKEN_BYTES).toString("base64url");
}

// A List as the caller sees it, with its counts in the same statement: the members off
// list_member_list_user_idx, the open tasks off a range of task_list_completed_due_idx.
const listFields = {
  id: list.id,
  name: list.name,
  color: list.color,
  isInbox: list.isInbox,
  archived: list.archived,
  ownerId: list.ownerId,
  ownerName: sql<string>`(select u.name from ${user} u where u.id = ${list.ownerId})`,
  role: listMember.role,
  memberCount: sql<number>`(select count(*) from ${listMember} m
    where m.list_id = ${list.id})::int`.mapWith(Number),
  pendingCount: sql<number>`(select count(*) from ${task} t
    where t.list_id = ${list.id} and t.completed = false)::int`.mapWith(Number),
  taskCount: sql<number>`(select count(*) from ${task} t
    where t.list_id = ${list.id})::int`.mapWith(Number),
  createdAt: list.createdAt,
  updatedAt: list.updatedAt,
};

interface ListRowOut {
  id: string;
  name: string;
  color: ListColor;
  isInbox: boolean;
  archived: boolean;
  ownerId: string;
  ownerName: string;
  role: ListRole;
  memberCount: number;
  pendingCount: number;
  taskCount: number;
  createdAt: Date;
  updatedAt: Date;
}

function toList(row: ListRowOut): List {
  return {
    id: row.id,
    name: row.name,
    color: row.color,
    is_inbox: row.isInbox,
    archived: row.archived,
    owner_id: row.ownerId,
    owner_name: row.ownerName,
    role: row.role,
    member_count: row.memberCount,
    pending_count: row.pendingCount,
    task_count: row.taskCount,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

const memberFields = {
  userId: listMember.userId,
  name: user.name,
  email: user.email,
  role: listMember.role,
  joinedAt: listMember.joinedAt,
};

function toMember(row: {
  userId: string;
  name: string;
  email: string;
  role: ListRole;
  joinedAt: Date;
}): Member {
  return {
    user_id: row.userId,
    name: row.name,
    email: row.email,
    role: row.role,
    joined_at: row.joinedAt.toISOString(),
  };
}

const inviteFields = {
  id: listInvite.id,
  role: listInvite.role,
  uses: listInvite.uses,
  maxUses: listInvite.maxUses,
  expiresAt: listInvite.expiresAt,
  createdAt: listInvite.createdAt,
};

function toInvite(row: {
  id: string;
  role: ListRole;
  uses: number;
  maxUses: number;
  expiresAt: Date;
  createdAt: Date;
}): Invite {
  // The database refuses an owner invite (list_invite_role); this narrows the type to match.
  const role = row.role === "viewer" ? "viewer" : "editor";
  return {
    id: row.id,
    role,
    uses: row.uses,
    max_uses: row.maxUses,
    expires_at: row.expiresAt.toISOString(),
    created_at: row.createdAt.toISOString(),
  };
}

/** Whether an invite row can still be used: not revoked, not expired, not used up. */
function usable(row: {
  revokedAt: Date | null;
  expired: boolean;
  uses: number;
  maxUses: number;
}): boolean {
  return row.revokedAt === null && !row.expired && row.uses < row.maxUses;
}

export interface InvitePreview {
  list: { name: string; color: ListColor };
  inviter: { name: string };
  role: "editor" | "viewer";
  expires_at: string;
}

export interface InviteInput {
  role: "editor" | "viewer";
  max_uses: number;
  expires_in_days: number;
}

/** The caller's lists, their members and invites; each method checks the caller's role. */
export class ListRepository {
  constructor(
    private readonly db: Database,
    /** This process's cache of callers' list ids, which a new membership makes out of date. */
    private readonly listIds?: ListIdsCache,
  ) {}

  /** The caller's lists, the Inbox first and then by name (any case); archived ones on request. */
  async listsOf(userId: string, options: { archived: boolean }): Promise<List[]> {
    const rows = await this.db
      .select(listFields)
      .from(listMember)
      .innerJoin(list, eq(list.id, listMember.listId))
      .where(
        and(eq(listMember.userId, userId), options.archived ? undefined : eq(list.archived, false)),
      )
      .orderBy(desc(list.isInbox), asc(sql`lower(${list.name})`), asc(list.name), asc(list.id));
    return rows.map(toList);
  }

  /** The lists the caller owns, archived ones too, in the order of `listsOf`. */
  async owned(userId: string, db: Database | Transaction = this.db): Promise<List[]> {
    const rows = await db
      .select(listFields)
      .from(listMember)
      .innerJoin(list, eq(list.id, listMember.listId))
      .where(and(eq(listMember.userId, userId), eq(list.ownerId, userId)))
      .orderBy(desc(list.isInbox), asc(sql`lower(${list.name})`), asc(list.name), asc(list.id));
    return rows.map(toList);
  }

  /** One list as the caller sees it, or null when they are not a member. */
  async find(
    userId: string,
    listId: string,
    db: Database | Transaction = this.db,
  ): Promise<List | null> {
    const [row] = await db
      .select(listFields)
      .from(listMember)
      .innerJoin(list, eq(list.id, listMember.listId))
      .where(and(eq(listMember.userId, userId), eq(listMember.listId, listId)));
    return row ? toList(row) : null;
  }

  /** The list as `find` reads it, inside a transaction that has just written it. */
  private async reread(tx: Transaction, userId: string, listId: string): Promise<List> {
    const found = await this.find(userId, listId, tx);
    if (!found) throw new Error("a list vanished inside its own transaction");
    return found;
  }

  /**
   * A new list owned by the caller (the trigger list_owner_member makes them its first member).
   * Creations by one owner are serialised by an advisory lock, so the count of owned lists and
   * the insert cannot interleave with another creation: concurrent requests never pass the cap.
   */
  async create(
    userId: string,
    input: { name: string; color: ListColor },
  ): Promise<ListOutcome<List>> {
    const outcome = await this.db.transaction(async (tx) => {
      await tx.execute(
        sql`select pg_advisory_xact_lock(hashtextextended(${userId}::text, ${OWNED_LISTS_LOCK}))`,
      );
      const [owned] = await tx
        .select({ n: sql<number>`count(*)::int`.mapWith(Number) })
        .from(list)
        .where(and(eq(list.ownerId, userId), eq(list.isInbox, false)));
      if ((owned?.n ?? 0) >= OWNED_LISTS_MAX) {
        return conflict(
          `You already own ${OWNED_LISTS_MAX} lists besides the Inbox; delete one to make another`,
        );
      }
      const [inserted] = await tx
        .insert(list)
        .values({ ownerId: userId, name: input.name, color: input.color })
        .returning({ id: list.id });
      if (!inserted) throw new Error("insert returned no row");
      return ok(await this.reread(tx, userId, inserted.id));
    });
    // The caller's next request, on this copy, already reads the new list.
    this.listIds?.forget(userId);
    return outcome;
  }

  /**
   * Renames, recolours, archives or restores a list (owner only; an archived list too, so that
   * it can be restored). The Inbox keeps its name and is never archived; a body that sends them
   * back unchanged (its name, `archived: false`) is not a rename or an archive and passes.
   */
  async update(
    userId: string,
    listId: string,
    changes: {
      name?: string | undefined;
      color?: ListColor | undefined;
      archived?: boolean | undefined;
    },
  ): Promise<ListOutcome<List>> {
    return this.db.transaction(async (tx) => {
      const membership = await membershipOf(tx, userId, listId);
      if (!membership) return notFound("List");
      const refused = refuseUnlessOwner(membership, "change");
      if (refused) return refused;
      if (membership.isInbox) {
        if (changes.name !== undefined && changes.name !== INBOX_NAME)
          return conflict("The Inbox cannot be renamed");
        if (changes.archived === true) return conflict("The Inbox cannot be archived");
      }
      const set: Partial<typeof list.$inferInsert> = {};
      if (changes.name !== undefined) set.name = changes.name;
      if (changes.color !== undefined) set.color = changes.color;
      if (changes.archived !== undefined) set.archived = changes.archived;
      if (Object.keys(set).length > 0) {
        await tx
          .update(list)
          .set({ ...set, updatedAt: sql`clock_timestamp()` })
          .where(eq(list.id, listId));
      }
      return ok(await this.reread(tx, userId, listId));
    });
  }

  /** Deletes a list with its tasks, members and invites (all cascade). Never the Inbox. */
  async remove(userId: string, listId: string): Promise<ListOutcome<null>> {
    return this.db.transaction(async (tx) => {
      const membership = await membershipOf(tx, userId, listId);
      if (!membership) return notFound("List");
      const refused = refuseUnlessOwner(membership, "delete");
      if (refused) return refused;
      if (membership.isInbox) return conflict("The Inbox cannot be deleted");
      await tx.delete(list).where(eq(list.id, listId));
      return ok(null);
    });
  }

  /** The members of a list the caller is in, the owner first, then in the order they joined. */
  async members(userId: string, listId: string): Promise<Member[] | null> {
    const membership = await membershipOf(this.db, userId, listId);
    if (!membership) return null;
    const rows = await this.db
      .select(memberFields)
      .from(listMember)
      .innerJoin(user, eq(user.id, listMember.userId))
      .where(eq(listMember.listId, listId))
      .orderBy(
        desc(sql`${listMember.role} = 'owner'`),
        asc(listMember.joinedAt),
        asc(listMember.userId),
      );
    return rows.map(toMember);
  }

  /** Gives a member another role (owner only); the owner's own role never changes. */
  async setRole(
    userId: string,
    listId: string,
    memberId: string,
    role: "editor" | "viewer",
  ): Promise<ListOutcome<Member>> {
    return this.db.transaction(async (tx) => {
      const membership = await membershipOf(tx, userId, listId);
      if (!membership) return notFound("List");
      const refused = refuseUnlessOwner(membership, "members");
      if (refused) return refused;
      const target = await membershipOf(tx, memberId, listId);
      if (!target) return notFound("Member");
      if (target.role === "owner") return conflict("The owner's role cannot be changed");
      await tx
        .update(listMember)
        .set({ role })
        .where(and(eq(listMember.listId, listId), eq(listMember.userId, memberId)));
      const [row] = await tx
        .select(memberFields)
        .from(listMember)
        .innerJoin(user, eq(user.id, listMember.userId))
        .where(and(eq(listMember.listId, listId), eq(listMember.userId, memberId)));
      return row ? ok(toMember(row)) : notFound("Member");
    });
  }

  /**
   * Ends a membership: the owner removes anyone but themself; any other member may remove
   * themself (leave). Their assignments in the list are cleared by task_assignee_fk, and their
   * next request no longer finds the list or its tasks.
   */
  async removeMember(userId: string, listId: string, memberId: string): Promise<ListOutcome<null>> {
    return this.db.transaction(async (tx) => {
      const membership = await membershipOf(tx, userId, listId);
      if (!membership) return notFound("List");
      if (memberId === userId) {
        if (membership.role === "owner")
          return conflict("The owner cannot leave their own list; delete it instead");
      } else {
        const refused = refuseUnlessOwner(membership, "members");
        if (refused) return refused;
      }
      const removed = await tx
        .delete(listMember)
        .where(and(eq(listMember.listId, listId), eq(listMember.userId, memberId)))
        .returning({ userId: listMember.userId });
      return removed.length > 0 ? ok(null) : notFound("Member");
    });
  }

  /**
   * A new invite (owner only; never for the Inbox). The token is returned once and only its
   * SHA-256 is stored. It expires after `expires_in_days` by the database's clock, the clock
   * every later check uses.
   */
  async createInvite(
    userId: string,
    listId: string,
    input: InviteInput,
  ): Promise<ListOutcome<Invite & { token: string }>> {
    return this.db.transaction(async (tx) => {
      const membership = await membershipOf(tx, userId, listId);
      if (!membership) return notFound("List");
      const refused = refuseUnlessOwner(membership, "share");
      if (refused) return refused;
      if (membership.isInbox) return conflict("The Inbox cannot be shared");
      const token = newInviteToken();
      const [row] = await tx
        .insert(listInvite)
        .values({
          listId,
          tokenHash: hashInviteToken(token),
          role: input.role,
          maxUses: input.max_uses,
          createdBy: userId,
          expiresAt: sql`now() + make_interval(days => ${input.expires_in_days}::int)`,
        })
        .returning(inviteFields);
      if (!row) throw new Error("insert returned no row");
      return ok({ ...toInvite(row), token });
    });
  }

  /** The open invites of a list (owner only): not revoked, not expired, not used up. */
  async openInvites(userId: string, listId: string): Promise<ListOutcome<Invite[]>> {
    const membership = await membershipOf(this.db, userId, listId);
    if (!membership) return notFound("List");
    const refused = refuseUnlessOwner(membership, "share");
    if (refused) return refused;
    const rows = await this.db
      .select(inviteFields)
      .from(listInvite)
      .where(
        and(
          eq(listInvite.listId, listId),
          isNull(listInvite.revokedAt),
          gt(listInvite.expiresAt, sql`now()`),
          sql`${listInvite.uses} < ${listInvite.maxUses}`,
        ),
      )
      .orderBy(asc(listInvite.createdAt), asc(listInvite.id));
    return ok(rows.map(toInvite));
  }

  /**
   * Revokes an invite of the list (owner only). Idempotent: revoking it again (or an expired or
   * used-up one) succeeds and keeps the first revocation time; an id that is not an invite of
   * this list is not found.
   */
  async revokeInvite(userId: string, listId: string, inviteId: string): Promise<ListOutcome<null>> {
    const membership = await membershipOf(this.db, userId, listId);
    if (!membership) return notFound("List");
    const refused = refuseUnlessOwner(membership, "share");
    if (refused) return refused;
    const revoked = await this.db
      .update(listInvite)
      .set({ revokedAt: sql`coalesce(${listInvite.revokedAt}, now())` })
      .where(and(eq(listInvite.id, inviteId), eq(listInvite.listId, listId)))
      .returning({ id: listInvite.id });
    return revoked.length > 0 ? ok(null) : notFound("Invite");
  }

  /**
   * What an invite link offers, for any signed-in user, or null for a token that is unknown,
   * revoked, expired or used up. Every case is the same single lookup by the token's hash (a
   * unique index), and the checks are made on the row afterwards, so the four answers cannot be
   * told apart by what the database was asked.
   */
  async previewInvite(token: string): Promise<InvitePreview | null> {
    const creator = alias(user, "creator");
    const owner = alias(user, "owner");
    const [row] = await this.db
      .select({
        role: listInvite.role,
        uses: listInvite.uses,
        maxUses: listInvite.maxUses,
        expiresAt: listInvite.expiresAt,
        revokedAt: listInvite.revokedAt,
        expired: sql<boolean>`${listInvite.expiresAt} <= now()`,
        listName: list.name,
        listColor: list.color,
        // Only the owner makes invites; should the maker's account be gone, name the owner.
        inviter: sql<string>`coalesce(${creator.name}, ${owner.name})`,
      })
      .from(listInvite)
      .innerJoin(list, eq(list.id, listInvite.listId))
      .innerJoin(owner, eq(owner.id, list.ownerId))
      .leftJoin(creator, eq(creator.id, listInvite.createdBy))
      .where(eq(listInvite.tokenHash, hashInviteToken(token)));
    if (!row || !usable(row)) return null;
    return {
      list: { name: row.listName, color: row.listColor },
      inviter: { name: row.inviter },
      role: row.role === "viewer" ? "viewer" : "editor",
      expires_at: row.expiresAt.toISOString(),
    };
  }

  /**
   * Joins the invite's list with its role, or null for a token that is not usable (as in
   * `previewInvite`). The invite row is locked first, so concurrent accepts take their turns and
   * `uses` never passes `max_uses`. A member keeps the higher of their role and the invite's; an
   * accept that changes nothing (already a member with an equal or higher role) uses nothing.
   * An archived list can be joined: its tasks are then read-only for every member alike.
   */
  async acceptInvite(userId: string, token: string): Promise<List | null> {
    const joined = await this.db.transaction(async (tx) => {
      const [invite] = await tx
        .select({
          id: listInvite.id,
          listId: listInvite.listId,
          role: listInvite.role,
          uses: listInvite.uses,
          maxUses: listInvite.maxUses,
          revokedAt: listInvite.revokedAt,
          expired: sql<boolean>`${listInvite.expiresAt} <= now()`,
        })
        .from(listInvite)
        .where(eq(listInvite.tokenHash, hashInviteToken(token)))
        .for("update");
      if (!invite || !usable(invite)) return null;
      const current = await membershipOf(tx, userId, invite.listId);
      if (current && RANK[current.role] >= RANK[invite.role]) {
        return this.reread(tx, userId, invite.listId);
      }
      // An upsert, so a concurrent accept of another invite of the same list cannot collide.
      const changed = await tx
        .insert(listMember)
        .values({ userId, listId: invite.listId, role: invite.role })
        .onConflictDoUpdate({
          target: [listMember.userId, listMember.listId],
          set: { role: invite.role },
          setWhere: roleBelow(invite.role),
        })
        .returning({ userId: listMember.userId });
      if (changed.length > 0) {
        await tx
          .update(listInvite)
          .set({ uses: sql`${listInvite.uses} + 1` })
          .where(eq(listInvite.id, invite.id));
      }
      return this.reread(tx, userId, invite.listId);
    });
    this.listIds?.forget(userId);
    return joined;
  }
}

/** Whether the existing member row's role is below `role` (so the invite raises it). */
function roleBelow(role: ListRole): SQL {
  const below = listRole.enumValues.filter((other) => RANK[other] < RANK[role]);
  if (below.length === 0) return sql`false`;
  const values = below.map((other) => sql`${other}::list_role`);
  return sql`${listMember.role} in (${sql.join(values, sql`, `)})`;
}
