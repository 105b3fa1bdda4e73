import { relations, sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  customType,
  date,
  foreignKey,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  time,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { instant } from "./instant.ts";

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => "bytea" });

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

// Better Auth's OAuth 2.1 provider (@better-auth/oauth-provider): the clients AI assistants
// register, the resources tokens are issued for, refresh tokens, consents. Access tokens are
// JWTs; a row in oauth_access_token exists only for opaque ones.

export const oauthClient = pgTable(
  "oauth_client",
  {
    id: text("id").primaryKey(),
    clientId: text("client_id").notNull().unique(),
    clientSecret: text("client_secret"),
    clientDiscoveryId: text("client_discovery_id"),
    disabled: boolean("disabled").default(false),
    skipConsent: boolean("skip_consent"),
    enableEndSession: boolean("enable_end_session"),
    subjectType: text("subject_type"),
    scopes: text("scopes").array(),
    clientCredentialsScopes: text("client_credentials_scopes").array().default([]),
    userId: text("user_id").references(() => user.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true }),
    updatedAt: timestamp("updated_at", { withTimezone: true }),
    name: text("name"),
    uri: text("uri"),
    icon: text("icon"),
    contacts: text("contacts").array(),
    tos: text("tos"),
    policy: text("policy"),
    softwareId: text("software_id"),
    softwareVersion: text("software_version"),
    softwareStatement: text("software_statement"),
    redirectUris: text("redirect_uris").array().notNull(),
    postLogoutRedirectUris: text("post_logout_redirect_uris").array(),
    backchannelLogoutUri: text("backchannel_logout_uri"),
    backchannelLogoutSessionRequired: boolean("backchannel_logout_session_required"),
    tokenEndpointAuthMethod: text("token_endpoint_auth_method"),
    applicationType: text("application_type"),
    jwks: text("jwks"),
    jwksUri: text("jwks_uri"),
    grantTypes: text("grant_types").array(),
    responseTypes: text("response_types").array(),
    requirePKCE: boolean("require_pkce"),
    dpopBoundAccessTokens: boolean("dpop_bound_access_tokens").default(false),
    referenceId: text("reference_id"),
    metadata: jsonb("metadata"),
  },
  (t) => [index("oauth_client_user_id_idx").on(t.userId)],
);

export const oauthResource = pgTable("oauth_resource", {
  id: text("id").primaryKey(),
  identifier: text("identifier").notNull().unique(),
  name: text("name").notNull(),
  accessTokenTtl: integer("access_token_ttl"),
  refreshTokenTtl: integer("refresh_token_ttl"),
  signingAlgorithm: text("signing_algorithm"),
  signingKeyId: text("signing_key_id"),
  allowedScopes: text("allowed_scopes").array(),
  customClaims: jsonb("custom_claims"),
  dpopBoundAccessTokensRequired: boolean("dpop_bound_access_tokens_required").default(false),
  disabled: boolean("disabled").default(false),
  createdAt: timestamp("created_at", { withTimezone: true }),
  updatedAt: timestamp("updated_at", { withTimezone: true }),
  policyVersion: integer("policy_version").default(1),
  metadata: jsonb("metadata"),
});

export const oauthClientResource = pgTable(
  "oauth_client_resource",
  {
    id: text("id").primaryKey(),
    clientId: text("client_id")
      .notNull()
      .references(() => oauthClient.clientId, { onDelete: "cascade" }),
    resourceId: text("resource_id")
      .notNull()
      .references(() => oauthResource.identifier, { onDelete: "cascade" }),
    metadata: jsonb("metadata"),
    createdAt: timestamp("created_at", { withTimezone: true }),
  },
  (t) => [
    index("oauth_client_resource_client_id_idx").on(t.clientId),
    index("oauth_client_resource_resource_id_idx").on(t.resourceId),
  ],
);

export const oauthRefreshToken = pgTable(
  "oauth_refresh_token",
  {
    id: text("id").primaryKey(),
    token: text("token").notNull().unique(),
    clientId: text("client_id")
      .notNull()
      .references(() => oauthClient.clientId, { onDelete: "cascade" }),
    sessionId: text("session_id").references(() => session.id, { onDelete: "set null" }),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    referenceId: text("reference_id"),
    authorizationCodeId: text("authorization_code_id"),
    resources: text("resources").array(),
    requestedUserInfoClaims: text("requested_user_info_claims").array(),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }),
    revoked: timestamp("revoked", { withTimezone: true }),
    rotatedAt: timestamp("rotated_at", { withTimezone: true }),
    rotationReplayResponse: text("rotation_replay_response"),
    rotationReplayExpiresAt: timestamp("rotation_replay_expires_at", { withTimezone: true }),
    authTime: timestamp("auth_time", { withTimezone: true }),
    confirmation: jsonb("confirmation"),
    scopes: text("scopes").array().notNull(),
  },
  (t) => [
    index("oauth_refresh_token_client_id_idx").on(t.clientId),
    index("oauth_refresh_token_session_id_idx").on(t.sessionId),
    index("oauth_refresh_token_user_id_idx").on(t.userId),
    index("oauth_refresh_token_authorization_code_id_idx").on(t.authorizationCodeId),
  ],
);

export const oauthAccessToken = pgTable(
  "oauth_access_token",
  {
    id: text("id").primaryKey(),
    token: text("token").unique(),
    clientId: text("client_id")
      .notNull()
      .references(() => oauthClient.clientId, { onDelete: "cascade" }),
    sessionId: text("session_id").references(() => session.id, { onDelete: "set null" }),
    userId: text("user_id").references(() => user.id, { onDelete: "cascade" }),
    referenceId: text("reference_id"),
    authorizationCodeId: text("authorization_code_id"),
    resources: text("resources").array(),
    requestedUserInfoClaims: text("requested_user_info_claims").array(),
    refreshId: text("refresh_id").references(() => oauthRefreshToken.id, { onDelete: "cascade" }),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }),
    revoked: timestamp("revoked", { withTimezone: true }),
    confirmation: jsonb("confirmation"),
    scopes: text("scopes").array().notNull(),
  },
  (t) => [
    index("oauth_access_token_client_id_idx").on(t.clientId),
    index("oauth_access_token_session_id_idx").on(t.sessionId),
    index("oauth_access_token_user_id_idx").on(t.userId),
    index("oauth_access_token_authorization_code_id_idx").on(t.authorizationCodeId),
    index("oauth_access_token_refresh_id_idx").on(t.refreshId),
  ],
);

export const oauthConsent = pgTable(
  "oauth_consent",
  {
    id: text("id").primaryKey(),
    clientId: text("client_id")
      .notNull()
      .references(() => oauthClient.clientId, { onDelete: "cascade" }),
    userId: text("user_id").references(() => user.id, { onDelete: "cascade" }),
    referenceId: text("reference_id"),
    resources: text("resources").array(),
    requestedUserInfoClaims: text("requested_user_info_claims").array(),
    scopes: text("scopes").array().notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }),
    updatedAt: timestamp("updated_at", { withTimezone: true }),
    /** Set by the task API when the app calls /mcp (at most once a minute); Better Auth ignores it. */
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
  },
  (t) => [
    index("oauth_consent_client_id_idx").on(t.clientId),
    index("oauth_consent_user_id_idx").on(t.userId),
  ],
);

export const oauthClientAssertion = pgTable("oauth_client_assertion", {
  id: text("id").primaryKey(),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
});

// The task API's tables.

export const taskPriority = pgEnum("task_priority", ["low", "medium", "high"]);
export const listRole = pgEnum("list_role", ["owner", "editor", "viewer"]);
const LIST_COLORS = [
  "gray",
  "red",
  "orange",
  "yellow",
  "green",
  "teal",
  "blue",
  "purple",
  "pink",
] as const;
export const listColor = pgEnum("list_color", LIST_COLORS);

/**
 * A list of tasks. Every user has one Inbox (made with the account, migration 0005), which is
 * never deleted, archived, renamed or shared. The owner is also a row of list_member (added by
 * the trigger list_owner_member), so one join on list_member decides every access.
 */
export const list = pgTable(
  "list",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    color: listColor("color").notNull().default("gray"),
    isInbox: boolean("is_inbox").notNull().default(false),
    archived: boolean("archived").notNull().default(false),
    createdAt: instant("created_at")
      .notNull()
      .default(sql`now()`),
    updatedAt: instant("updated_at")
      .notNull()
      .default(sql`now()`),
  },
  (t) => [
    check("list_name_length", sql`char_length(${t.name}) between 1 and 100`),
    check("list_name_trimmed", sql`${t.name} = btrim(${t.name})`),
    check("list_inbox_not_archived", sql`not (${t.isInbox} and ${t.archived})`),
    uniqueIndex("list_one_inbox_idx")
      .on(t.ownerId)
      .where(sql`${t.isInbox}`),
    index("list_owner_idx").on(t.ownerId),
    // A target of task's composite key (list_id, owner): a task's user_id is its list's owner.
    uniqueIndex("list_id_owner_idx").on(t.id, t.ownerId),
  ],
);

/** Who may see a list and what they may do; the owner's own row has the role `owner`. */
export const listMember = pgTable(
  "list_member",
  {
    // Led by the user: "the lists this user is in" is one range of the primary key.
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    listId: uuid("list_id")
      .notNull()
      .references(() => list.id, { onDelete: "cascade" }),
    role: listRole("role").notNull(),
    joinedAt: instant("joined_at")
      .notNull()
      .default(sql`now()`),
  },
  (t) => [
    primaryKey({ name: "list_member_pkey", columns: [t.userId, t.listId] }),
    // A target of task's composite key (list_id, assignee_id): an assignee is a member.
    uniqueIndex("list_member_list_user_idx").on(t.listId, t.userId),
  ],
);

/** An invite link: only the SHA-256 of its token is kept. */
export const listInvite = pgTable(
  "list_invite",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    listId: uuid("list_id")
      .notNull()
      .references(() => list.id, { onDelete: "cascade" }),
    tokenHash: bytea("token_hash").notNull(),
    role: listRole("role").notNull(),
    uses: integer("uses").notNull().default(0),
    maxUses: integer("max_uses").notNull().default(1),
    createdBy: text("created_by").references(() => user.id, { onDelete: "set null" }),
    expiresAt: instant("expires_at").notNull(),
    revokedAt: instant("revoked_at"),
    createdAt: instant("created_at")
      .notNull()
      .default(sql`now()`),
  },
  (t) => [
    uniqueIndex("list_invite_token_hash_idx").on(t.tokenHash),
    index("list_invite_list_idx").on(t.listId),
    check("list_invite_role", sql`${t.role} <> 'owner'`),
    check("list_invite_max_uses", sql`${t.maxUses} between 1 and 100`),
    check("list_invite_uses", sql`${t.uses} between 0 and ${t.maxUses}`),
  ],
);

export const task = pgTable(
  "task",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** The owner of the task's list (kept so by the trigger task_list_owner). */
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    /**
     * The list holding the task. An insert without one (older scripts, that name only the
     * user) goes to that user's Inbox: the trigger task_list_owner fills it in.
     */
    listId: uuid("list_id")
      .notNull()
      .$defaultFn(() => sql`null`),
    parentId: uuid("parent_id"),
    assigneeId: text("assignee_id"),
    createdBy: text("created_by").references(() => user.id, { onDelete: "set null" }),
    /** Direct subtasks, and how many of them are completed (kept by task_subtask_counts). */
    subtaskCount: integer("subtask_count").notNull().default(0),
    completedSubtaskCount: integer("completed_subtask_count").notNull().default(0),
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
    remindAt: instant("remind_at"),
    remindedAt: instant("reminded_at"),
    tags: text("tags")
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    createdAt: instant("created_at")
      .notNull()
      .default(sql`now()`),
    updatedAt: instant("updated_at")
      .notNull()
      .default(sql`now()`),
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
    check("task_not_own_parent", sql`${t.parentId} is null or ${t.parentId} <> ${t.id}`),
    check("task_subtask_counts", sql`${t.completedSubtaskCount} between 0 and ${t.subtaskCount}`),
    foreignKey({
      columns: [t.previousId],
      foreignColumns: [t.id],
      name: "task_previous_id_fk",
    }).onDelete("set null"),
    // A list's deletion takes its tasks; a task's list owner is its user_id.
    foreignKey({
      columns: [t.listId, t.userId],
      foreignColumns: [list.id, list.ownerId],
      name: "task_list_fk",
    }).onDelete("cascade"),
    // A subtask is in its parent's list; deleting a task deletes its subtasks, and moving a
    // task to another list takes its subtasks along (ON UPDATE CASCADE, level by level).
    foreignKey({
      columns: [t.listId, t.parentId],
      foreignColumns: [t.listId, t.id],
      name: "task_parent_fk",
    })
      .onDelete("cascade")
      .onUpdate("cascade"),
    // An assignee is a member of the task's list; when they leave or are removed (or their
    // account goes), the assignment is cleared (migration 0005: ON DELETE SET NULL (assignee_id)).
    foreignKey({
      columns: [t.listId, t.assigneeId],
      foreignColumns: [listMember.listId, listMember.userId],
      name: "task_assignee_fk",
    }),
    uniqueIndex("task_previous_id_idx").on(t.previousId),
    uniqueIndex("task_list_id_idx").on(t.listId, t.id),
    // One index per sort order, each led by the list and ending in id, so that every keyset
    // page of one list is an index range scan whatever the page number.
    index("task_list_created_idx").on(t.listId, t.createdAt, t.id),
    index("task_list_updated_idx").on(t.listId, t.updatedAt, t.id),
    index("task_list_due_idx").on(t.listId, t.dueDate, t.id),
    index("task_list_priority_idx").on(t.listId, t.priority, t.id),
    index("task_list_title_idx").on(t.listId, sql`lower(${t.title})`, t.id),
    // The views (pending, by due date, then by time with all-day tasks first) and the counts
    // read one range of this index each.
    index("task_list_completed_due_idx").on(
      t.listId,
      t.completed,
      t.dueDate,
      t.dueTime.asc().nullsFirst(),
      t.id,
    ),
    index("task_parent_idx")
      .on(t.parentId, t.completed)
      .where(sql`${t.parentId} is not null`),
    index("task_user_idx").on(t.userId),
    index("task_assignee_idx")
      .on(t.assigneeId)
      .where(sql`${t.assigneeId} is not null`),
    index("task_created_by_idx")
      .on(t.createdBy)
      .where(sql`${t.createdBy} is not null`),
    // Tags match case-insensitively; task_lower_tags is an immutable SQL function (migration 0003).
    index("task_lower_tags_idx").using("gin", sql`task_lower_tags(${t.tags})`),
    // The next reminder to fire is the first entry of this small partial index.
    index("task_remind_pending_idx")
      .on(t.remindAt)
      .where(sql`${t.remindedAt} is null and not ${t.completed} and ${t.remindAt} is not null`),
  ],
);

/**
 * Tokens the web app issued that no longer vouch for anyone, before their `exp`: written by the
 * triggers of migration 0007 when a session, a user or an app's grant is deleted, announced on
 * the `token_revocations` channel in the same transaction, and held in memory by every API copy.
 * - `session`: every token whose `sid` is `subject` (a session id, never its secret token).
 * - `user`: every token of `user_id` issued (`iat`) up to `revoked_at` (account deletion).
 * - `client`: every token of `user_id` for the OAuth client `subject` (its `azp`) issued up to
 *   `revoked_at` (a connected app revoked).
 * - `app_password`: the app password whose id is `subject` (revoked, or gone with its account).
 * Rows are needed only while a token they refuse could still be unexpired; the API deletes
 * older ones.
 */
export const tokenRevocation = pgTable(
  "token_revocation",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    kind: text("kind", { enum: ["session", "user", "client", "app_password"] }).notNull(),
    userId: text("user_id").notNull(),
    subject: text("subject").notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    index("token_revocation_revoked_at_idx").on(t.revokedAt),
    check("token_revocation_kind", sql`${t.kind} in ('session', 'user', 'client', 'app_password')`),
  ],
);

/**
 * Each user's change feed: where their feed stands. `last` is the position of their latest change
 * (positions count 1, 2, 3… per user, without gaps); `pruned_through` is the highest position
 * pruned away, so a reader who has seen less than that must start over. Written only by the
 * triggers of migration 0008, in the transaction of the change.
 */
export const changeFeedHead = pgTable("change_feed_head", {
  userId: text("user_id")
    .primaryKey()
    .references(() => user.id, { onDelete: "cascade" }),
  last: bigint("last", { mode: "number" }).notNull().default(0),
  prunedThrough: bigint("pruned_through", { mode: "number" }).notNull().default(0),
});

/**
 * One change as one user sees it: a task of one of their lists written (`kind` task, `task_id`,
 * op insert/update/delete, a deletion kept as a tombstone) or a list of theirs changed
 * (`kind` lists: `member_id` joined, changed role or left; null: the list row itself). A task
 * moved between two lists the user is in is one `update` in `list_id` from `from_list_id`. The
 * event stream replays it on reconnection; CalDAV's sync tokens read it per list.
 */
export const changeFeed = pgTable(
  "change_feed",
  {
    userId: text("user_id")
      .notNull()
      .references(() => changeFeedHead.userId, { onDelete: "cascade" }),
    position: bigint("position", { mode: "number" }).notNull(),
    kind: text("kind").notNull(),
    listId: uuid("list_id").notNull(),
    /** A task moved to `list_id`: the list it left (CalDAV reads the move as gone from there). */
    fromListId: uuid("from_list_id"),
    taskId: uuid("task_id"),
    memberId: text("member_id"),
    op: text("op").notNull(),
    at: timestamp("at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    // "Everything after position N for this user, in order" is one range of the primary key.
    primaryKey({ name: "change_feed_pkey", columns: [t.userId, t.position] }),
    // The same per list, for CalDAV's sync tokens of one collection.
    index("change_feed_user_list_idx").on(t.userId, t.listId, t.position),
    index("change_feed_user_from_list_idx")
      .on(t.userId, t.fromListId, t.position)
      .where(sql`${t.fromListId} is not null`),
    // Pruning takes the oldest rows first.
    index("change_feed_at_idx").on(t.at),
    check("change_feed_kind", sql`${t.kind} in ('task', 'lists')`),
    check("change_feed_op", sql`${t.op} in ('insert', 'update', 'delete')`),
    check("change_feed_task", sql`(${t.kind} = 'task') = (${t.taskId} is not null)`),
  ],
);

/**
 * What a JSON import made, per importer: the id a list or task had in the file (`source_id`) and
 * the row made from it, so importing the same file again updates those rows instead of making
 * new ones. Keyed by the importer, so ids another user's file names map only to the importer's
 * own rows; a row goes with its user and with the list or task it points to.
 */
export const importOrigin = pgTable(
  "import_origin",
  {
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    sourceId: uuid("source_id").notNull(),
    listId: uuid("list_id").references(() => list.id, { onDelete: "cascade" }),
    taskId: uuid("task_id").references(() => task.id, { onDelete: "cascade" }),
  },
  (t) => [
    primaryKey({ name: "import_origin_pkey", columns: [t.userId, t.kind, t.sourceId] }),
    index("import_origin_list_idx")
      .on(t.listId)
      .where(sql`${t.listId} is not null`),
    index("import_origin_task_idx")
      .on(t.taskId)
      .where(sql`${t.taskId} is not null`),
    check("import_origin_kind", sql`${t.kind} in ('list', 'task')`),
    check(
      "import_origin_target",
      sql`(${t.kind} = 'list' and ${t.listId} is not null and ${t.taskId} is null) or (${t.kind} = 'task' and ${t.taskId} is not null and ${t.listId} is null)`,
    ),
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
  list: one(list, { fields: [task.listId], references: [list.id] }),
}));

export type User = typeof user.$inferSelect;
export type TaskRow = typeof task.$inferSelect;
export type NewTaskRow = typeof task.$inferInsert;
export type TaskPriority = (typeof taskPriority.enumValues)[number];
export type ListRow = typeof list.$inferSelect;
export type ListRole = (typeof listRole.enumValues)[number];
export type ChangeFeedRow = typeof changeFeed.$inferSelect;
export type ListColor = (typeof listColor.enumValues)[number];

/**
 * A person's calendar feed: the read-only iCalendar of their pending dated tasks, served at
 * `/feeds/<secret>.ics` to calendar apps that cannot show tasks. The secret is the only key, so
 * it is kept as made (the account page shows the link again), and resetting it replaces the row.
 */
export const calendarFeed = pgTable(
  "calendar_feed",
  {
    userId: text("user_id")
      .primaryKey()
      .references(() => user.id, { onDelete: "cascade" }),
    secret: text("secret").notNull(),
    createdAt: instant("created_at")
      .notNull()
      .default(sql`now()`),
  },
  (t) => [uniqueIndex("calendar_feed_secret_idx").on(t.secret)],
);

/**
 * App passwords: what a CalDAV client (with the account's email as user name) or a script (as
 * `Authorization: Bearer tb_…`) signs in with. Only the SHA-256 of the password is kept; it is
 * shown once, when made. Deleting a row revokes it: the trigger of migration 0011 writes a
 * `token_revocation` row, announced to every API copy.
 */
export const appPassword = pgTable(
  "app_password",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** `read_write` or `read_only`. */
    scope: text("scope", { enum: ["read_write", "read_only"] }).notNull(),
    /** SHA-256 of the password, hex. */
    secretHash: text("secret_hash").notNull(),
    createdAt: instant("created_at")
      .notNull()
      .default(sql`now()`),
    lastUsedAt: instant("last_used_at"),
  },
  (t) => [
    uniqueIndex("app_password_secret_hash_idx").on(t.secretHash),
    index("app_password_user_idx").on(t.userId, t.createdAt),
    check("app_password_name_length", sql`char_length(${t.name}) between 1 and 100`),
    check("app_password_scope", sql`${t.scope} in ('read_write', 'read_only')`),
  ],
);

/**
 * A task as a CalDAV client last wrote it: the resource name the client chose, the UID, the
 * VTODO's parent UID (`RELATED-TO`), and the iCalendar text exactly as sent. It is served back
 * byte for byte while the task is as the text says, and with Taskbridge's fields rewritten into
 * it once they change elsewhere. No foreign key to the task: when the task is deleted the row
 * stays, so a sync report can still name the resource that is gone; rows of tasks deleted longer
 * ago than the change feed keeps are pruned with it.
 */
export const davResource = pgTable(
  "dav_resource",
  {
    taskId: uuid("task_id").primaryKey(),
    name: text("name").notNull(),
    uid: text("uid").notNull(),
    parentUid: text("parent_uid"),
    ics: text("ics").notNull(),
    /** The task's `updated_at` when `ics` was stored: while it is unchanged, `ics` is served. */
    taskUpdatedAt: instant("task_updated_at").notNull(),
    createdAt: instant("created_at")
      .notNull()
      .default(sql`now()`),
  },
  (t) => [
    index("dav_resource_name_idx").on(t.name),
    index("dav_resource_uid_idx").on(t.uid),
    index("dav_resource_parent_uid_idx")
      .on(t.parentUid)
      .where(sql`${t.parentUid} is not null`),
    check("dav_resource_name_length", sql`char_length(${t.name}) between 1 and 255`),
    check("dav_resource_uid_length", sql`char_length(${t.uid}) between 1 and 255`),
  ],
);

/**
 * A list a CalDAV client made (MKCALENDAR or extended MKCOL), under the path segment the client
 * chose in its maker's calendar home. Other members, and lists made elsewhere, use the list's id.
 */
export const davCollection = pgTable(
  "dav_collection",
  {
    userId: text("user_id")
      .notNull()
      .references(() => user.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    listId: uuid("list_id")
      .notNull()
      .references(() => list.id, { onDelete: "cascade" }),
  },
  (t) => [
    primaryKey({ name: "dav_collection_pkey", columns: [t.userId, t.name] }),
    uniqueIndex("dav_collection_list_idx").on(t.userId, t.listId),
    check("dav_collection_name_length", sql`char_length(${t.name}) between 1 and 255`),
  ],
);

/** A person's settings: the time zone dates and times are read and written in (UTC until set). */
export const userSetting = pgTable(
  "user_setting",
  {
    userId: text("user_id")
      .primaryKey()
      .references(() => user.id, { onDelete: "cascade" }),
    /** An IANA time zone name, e.g. `Asia/Kolkata`. */
    timeZone: text("time_zone").notNull().default("UTC"),
    updatedAt: instant("updated_at")
      .notNull()
      .default(sql`now()`),
  },
  (t) => [check("user_setting_time_zone_length", sql`char_length(${t.timeZone}) between 1 and 64`)],
);
