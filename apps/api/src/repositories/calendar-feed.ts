import { randomBytes } from "node:crypto";
import { and, asc, eq, isNotNull, isNull, or, sql } from "drizzle-orm";
import type { Database } from "@taskbridge/db/client";
import { calendarFeed, list, listMember, task } from "@taskbridge/db/schema";
import type { FeedTask } from "../feed/ics.ts";

/** A feed secret: 192 random bits, URL-safe. */
export const newFeedSecret = () => randomBytes(24).toString("base64url");

/** What a feed secret looks like; anything else names no feed. */
export const FEED_SECRET = /^[A-Za-z0-9_-]{32}$/;

/**
 * Calendar feeds: one secret per person, and what their feed shows: their pending dated tasks,
 * in every list they are in that is not archived, leaving out tasks assigned to someone else
 * (as the board's views do).
 */
export class CalendarFeedRepository {
  constructor(private readonly db: Database) {}

  async secretOf(userId: string): Promise<string | null> {
    const [row] = await this.db
      .select({ secret: calendarFeed.secret })
      .from(calendarFeed)
      .where(eq(calendarFeed.userId, userId));
    return row?.secret ?? null;
  }

  /** A new secret for the person's feed; the old one, if any, stops working at once. */
  async reset(userId: string): Promise<string> {
    const secret = newFeedSecret();
    await this.db
      .insert(calendarFeed)
      .values({ userId, secret })
      .onConflictDoUpdate({
        target: calendarFeed.userId,
        set: { secret, createdAt: sql`now()` },
      });
    return secret;
  }

  /** Turns the feed off; answers whether there was one. */
  async remove(userId: string): Promise<boolean> {
    const removed = await this.db
      .delete(calendarFeed)
      .where(eq(calendarFeed.userId, userId))
      .returning({ userId: calendarFeed.userId });
    return removed.length > 0;
  }

  /** The tasks of the feed with this secret, or null when no feed has it. */
  async tasksOf(secret: string): Promise<FeedTask[] | null> {
    return this.db.transaction(
      async (tx) => {
        const [feed] = await tx
          .select({ userId: calendarFeed.userId })
          .from(calendarFeed)
          .where(eq(calendarFeed.secret, secret));
        if (!feed) return null;
        const rows = await tx
          .select({
            id: task.id,
            title: task.title,
            description: task.description,
            tags: task.tags,
            dueDate: task.dueDate,
            dueTime: task.dueTime,
            updatedAt: task.updatedAt,
            listName: list.name,
          })
          .from(task)
          .innerJoin(
            listMember,
            and(eq(listMember.listId, task.listId), eq(listMember.userId, feed.userId)),
          )
          .innerJoin(list, eq(list.id, task.listId))
          .where(
            and(
              eq(task.completed, false),
              isNotNull(task.dueDate),
              eq(list.archived, false),
              or(isNull(task.assigneeId), eq(task.assigneeId, feed.userId)),
            ),
          )
          .orderBy(asc(task.dueDate), asc(task.dueTime), asc(task.id));
        return rows.flatMap((row) =>
          row.dueDate === null
            ? []
            : [{ ...row, dueDate: row.dueDate, dueTime: row.dueTime?.slice(0, 5) ?? null }],
        );
      },
      { isolationLevel: "repeatable read", accessMode: "read only" },
    );
  }
}
