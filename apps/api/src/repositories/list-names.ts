import { and, asc, desc, eq, inArray, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "@taskbridge/db/client";
import { list, listMember } from "@taskbridge/db/schema";
import { LIST_NAME_MAX } from "@taskbridge/shared/list";

// How a list named in an assistant's tool call (an id, a name, or "inbox") becomes the id the
// task repository takes, and the names a tool's answer shows. Every query is
// scoped by the caller's list_member rows, so another person's list is never found.

/** What a tool call may name a list by: its id, its name (any case), or `inbox`. */
export const ListRefSchema = z
  .string()
  .trim()
  .min(1, "list must not be empty")
  .max(LIST_NAME_MAX, `list must be at most ${LIST_NAME_MAX} characters`)
  .regex(/^[^\0]*$/, "list must not contain a NUL character (\\u0000)");

const Uuid = z.uuid();

/** A list a tool call named, as far as the tool's answer needs it. */
export interface NamedList {
  id: string;
  name: string;
  isInbox: boolean;
  archived: boolean;
}

export type ListResolution =
  | { kind: "found"; list: NamedList }
  | { kind: "missing" }
  | { kind: "ambiguous"; candidates: NamedList[] };

const named = {
  id: list.id,
  name: list.name,
  isInbox: list.isInbox,
  archived: list.archived,
};

const byInboxThenName = [desc(list.isInbox), asc(sql`lower(${list.name})`), asc(list.id)];

/** The caller's lists that satisfy `where`, Inbox first, then by name. */
function namedLists(db: Database, userId: string, where: SQL | undefined) {
  return db
    .select(named)
    .from(listMember)
    .innerJoin(list, eq(list.id, listMember.listId))
    .where(and(eq(listMember.userId, userId), where))
    .orderBy(...byInboxThenName);
}

/**
 * The caller's list that `ref` names: `inbox` is always their own Inbox (as the REST `list=inbox`
 * is); an id is one of their lists; otherwise a name, case-insensitively, among the lists they
 * can see in `list_lists` first and among their archived ones only when none of those has it.
 * Two lists with the name are ambiguous: the assistant has to say which by id.
 */
export async function resolveList(
  db: Database,
  userId: string,
  ref: string,
): Promise<ListResolution> {
  const wanted = ref.trim();
  if (wanted.toLowerCase() === "inbox") {
    const [inbox] = await namedLists(
      db,
      userId,
      and(eq(list.isInbox, true), eq(list.ownerId, userId)),
    );
    return inbox ? { kind: "found", list: inbox } : { kind: "missing" };
  }
  const sameName = sql`lower(${list.name}) = lower(${wanted})`;
  const isId = Uuid.safeParse(wanted).success;
  const rows = await namedLists(db, userId, isId ? or(eq(list.id, wanted), sameName) : sameName);
  const byId = isId ? rows.find((row) => row.id.toLowerCase() === wanted.toLowerCase()) : undefined;
  if (byId) return { kind: "found", list: byId };
  const open = rows.filter((row) => !row.archived);
  const candidates = open.length > 0 ? open : rows;
  const [only, ...others] = candidates;
  if (!only) return { kind: "missing" };
  if (others.length > 0) return { kind: "ambiguous", candidates };
  return { kind: "found", list: only };
}

/** The names of those of `ids` that are the caller's lists, by id. */
export async function listNamesOf(
  db: Database,
  userId: string,
  ids: string[],
): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await namedLists(db, userId, inArray(list.id, [...new Set(ids)]));
  return new Map(rows.map((row) => [row.id, row.name]));
}
