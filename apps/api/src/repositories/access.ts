import { and, eq, sql } from "drizzle-orm";
import type { Database } from "@taskbridge/db/client";
import { list, listMember, type ListRole } from "@taskbridge/db/schema";

export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];

/** A caller's place in one list. */
export interface Membership {
  listId: string;
  role: ListRole;
  archived: boolean;
  isInbox: boolean;
  ownerId: string;
}

/**
 * The one access rule, for a list: the caller's membership row (served by the primary key
 * (user_id, list_id)), or null when they are not a member, which every route answers as 404,
 * exactly as for a list that does not exist.
 */
export async function membershipOf(
  db: Database | Transaction,
  userId: string,
  listId: string,
): Promise<Membership | null> {
  const [row] = await db
    .select({
      listId: listMember.listId,
      role: listMember.role,
      archived: list.archived,
      isInbox: list.isInbox,
      ownerId: list.ownerId,
    })
    .from(listMember)
    .innerJoin(list, eq(list.id, listMember.listId))
    .where(and(eq(listMember.userId, userId), eq(listMember.listId, listId)));
  return row ?? null;
}

/** The ids of every list a user is in: one range of list_member's primary key. */
export async function listIdsOf(db: Database | Transaction, userId: string): Promise<string[]> {
  const rows = await db
    .select({ id: listMember.listId })
    .from(listMember)
    .where(eq(listMember.userId, userId));
  return rows.map((row) => row.id);
}

/**
 * Serialises the changes of task parents within these lists until the transaction ends, so two
 * concurrent moves can never make each other an ancestor (each checks the tree the other left).
 * Locks are taken in one order, so two transactions never wait on each other.
 */
export async function lockLists(tx: Transaction, listIds: string[]): Promise<void> {
  for (const id of [...new Set(listIds)].sort()) {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${id}::text, 5))`);
  }
}
