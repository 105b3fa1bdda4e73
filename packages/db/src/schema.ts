import { relations, sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  date,
  foreignKey,
  index,
  integer,
  pgEnum,
  pgTable,
  text,
  time,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

// Better Auth's tables. Keys are the field names Better Auth asks its Drizzle adapter for;
// better-auth checks this schema on first use and refuses to run if a field is missing.

const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date()),
};

export const user = pgTable("user", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  email: text("email").notNull().unique(),
  emailVerified: boolean("email_verified").notNull().default(false),
  image: text("image"),
  ...timestamps,
});

export const session = pgTable(
  "session",
  {
    id: text("id").primaryKey(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    token: text("token").notNull().unique(),
    ipAddress: text("ip_address"),
    userAgent: text("user_agent"),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    ...timestamps,
  },
  (t) => [index("session_user_id_idx").on(t.userId)],
);

export const account = pgTable(
  "account",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id").notNull(),
    providerId: text("provider_id").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    accessToken: text("access_token"),
    refreshToken: text("refresh_token"),
    idToken: text("id_token"),
    accessTokenExpiresAt: timestamp("access_token_expires_at", { withTimezone: true }),
    refreshTokenExpiresAt: timestamp("refresh_token_expires_at", { withTimezone: true }),
    scope: text("scope"),
    password: text("password"),
    ...timestamps,
  },
  (t) => [index("account_user_id_idx").on(t.userId)],
);

export const verification = pgTable(
  "verification",
  {
    id: text("id").primaryKey(),
    identifier: text("identifier").notNull(),
    value: text("value").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    ...timestamps,
  },
  (t) => [index("verification_identifier_idx").on(t.identifier)],
);

/** Signing keys of Better Auth's jwt plugin; private keys are encrypted with the auth secret. */
export const jwks = pgTable("jwks", {
  id: text("id").primaryKey(),
  publicKey: text("public_key").notNull(),
  privateKey: text("private_key").notNull(),
  alg: text("alg"),
  crv: text("crv"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp("expires_at", { withTimezone: true }),
});

/** Better Auth's rate-limit counters, kept in the database so every web app copy shares them. */
export const rateLimit = pgTable("rate_limit", {
  id: text("id").primaryKey(),
  key: text("key").notNull().unique(),
  count: integer("count").notNull(),
  lastRequest: bigint("last_request", { mode: "number" }).notNull(),
});

// The task API's table.

export const taskPriority = pgEnum("task_priority", ["low", "medium", "high"]);

export const task = pgTable(
  "task",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    description: text("description"),
    completed: boolean("completed").notNull().default(false),
    priority: taskPriority("priority").notNull().default("medium"),
    // A calendar date: "today" is the owner's own date, which only their client knows.
    dueDate: date("due_date", { mode: "string" }),
    dueTime: time("due_time", { precision: 0 }),
    /** RFC 5545 RRULE (the subset of the contract), or null. */
    recurrence: text("recurrence"),
    /** The occurrence this task was spawned from; unique, so a task spawns at most one. */
    previousId: uuid("previous_id"),
    // Milliseconds, as the API reports times: a keyset cursor then names a row's time exactly.
    remindAt: timestamp("remind_at", { withTimezone: true, precision: 3 }),
    remindedAt: timestamp("reminded_at", { withTimezone: true, precision: 3 }),
    tags: text("tags")
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    // The API validates these first; the database is the last line of defence.
    check("task_title_length", sql`char_length(${t.title}) between 1 and 200`),
    check("task_title_trimmed", sql`${t.title} = btrim(${t.title})`),
    check(
      "task_description_length",
      sql`${t.description} is null or char_length(${t.description}) <= 1000`,
    ),
    check("task_tags_count", sql`cardinality(${t.tags}) <= 10`),
    check("task_due_time_needs_date", sql`${t.dueTime} is null or ${t.dueDate} is not null`),
    check("task_recurrence_needs_date", sql`${t.recurrence} is null or ${t.dueDate} is not null`),
    foreignKey({
      columns: [t.previousId],
      foreignColumns: [t.id],
      name: "task_previous_id_fk",
    }).onDelete("set null"),
    uniqueIndex("task_previous_id_idx").on(t.previousId),
    // One index per sort order, each led by the owner and ending in id, so that every
    // keyset page is an index range scan whatever the page number.
    index("task_user_created_idx").on(t.userId, t.createdAt, t.id),
    index("task_user_updated_idx").on(t.userId, t.updatedAt, t.id),
    index("task_user_due_idx").on(t.userId, t.dueDate, t.id),
    index("task_user_priority_idx").on(t.userId, t.priority, t.id),
    index("task_user_title_idx").on(t.userId, sql`lower(${t.title})`, t.id),
    // The views (pending, by due date) and the counts read one range of this index each.
    index("task_user_completed_due_idx").on(t.userId, t.completed, t.dueDate, t.id),
    // Tags match case-insensitively; task_lower_tags is an immutable SQL function (migration 0003).
    index("task_lower_tags_idx").using("gin", sql`task_lower_tags(${t.tags})`),
    // The next reminder to fire is the first entry of this small partial index.
    index("task_remind_pending_idx")
      .on(t.remindAt)
      .where(sql`${t.remindedAt} is null and not ${t.completed} and ${t.remindAt} is not null`),
  ],
);

export const userRelations = relations(user, ({ many }) => ({
  sessions: many(session),
  accounts: many(account),
  tasks: many(task),
}));
export const sessionRelations = relations(session, ({ one }) => ({
  user: one(user, { fields: [session.userId], references: [user.id] }),
}));
export const accountRelations = relations(account, ({ one }) => ({
  user: one(user, { fields: [account.userId], references: [user.id] }),
}));
export const taskRelations = relations(task, ({ one }) => ({
  user: one(user, { fields: [task.userId], references: [user.id] }),
}));

export type User = typeof user.$inferSelect;
export type TaskRow = typeof task.$inferSelect;
export type NewTaskRow = typeof task.$inferInsert;
export type TaskPriority = (typeof taskPriority.enumValues)[number];
