-- The change feed: every change to a task or a list, as each user concerned sees it, in order and
-- without gaps, written by triggers in the transaction of the change (so no route can forget it).
-- Reversal, for review: drop the triggers, the functions and the type change_feed_entry made here,
-- recreate task_notify's trigger of 0001 (its function, of 0005, is kept), then drop change_feed
-- and change_feed_head.
CREATE TABLE "change_feed" (
	"user_id" text NOT NULL,
	"position" bigint NOT NULL,
	"kind" text NOT NULL,
	"list_id" uuid NOT NULL,
	"from_list_id" uuid,
	"task_id" uuid,
	"member_id" text,
	"op" text NOT NULL,
	"at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "change_feed_pkey" PRIMARY KEY("user_id","position"),
	CONSTRAINT "change_feed_kind" CHECK ("change_feed"."kind" in ('task', 'lists')),
	CONSTRAINT "change_feed_op" CHECK ("change_feed"."op" in ('insert', 'update', 'delete')),
	CONSTRAINT "change_feed_task" CHECK (("change_feed"."kind" = 'task') = ("change_feed"."task_id" is not null))
);
--> statement-breakpoint
CREATE TABLE "change_feed_head" (
	"user_id" text PRIMARY KEY NOT NULL,
	"last" bigint DEFAULT 0 NOT NULL,
	"pruned_through" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "change_feed" ADD CONSTRAINT "change_feed_user_id_change_feed_head_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."change_feed_head"("user_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "change_feed_head" ADD CONSTRAINT "change_feed_head_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "change_feed_user_list_idx" ON "change_feed" USING btree ("user_id","list_id","position");--> statement-breakpoint
CREATE INDEX "change_feed_user_from_list_idx" ON "change_feed" USING btree ("user_id","from_list_id","position") WHERE "change_feed"."from_list_id" is not null;--> statement-breakpoint
CREATE INDEX "change_feed_at_idx" ON "change_feed" USING btree ("at");--> statement-breakpoint
-- One change as one user sees it, before it has a position; `seq` orders a statement's changes.
CREATE TYPE "change_feed_entry" AS (user_id text, kind text, list_id uuid, from_list_id uuid,
  task_id uuid, member_id text, op text, seq bigint);--> statement-breakpoint
-- Appends `entries` to their users' feeds and wakes every API copy listening on `change_feed`
-- (the payload is only the user id: a copy reads the rows itself).
--
-- Gap-free, per user: positions are taken by raising the user's change_feed_head row
-- (`last = last + n`), whose lock is held until the writing transaction ends. The next writer for
-- that user waits for it, so position N+1 can only commit after the transaction of N has
-- committed (or rolled back, which also rolls `last` back and hands N out again). A reader who
-- sees N+1 therefore already sees 1…N: "everything after N, in order" never skips a change that
-- is still to come, which a sequence could not promise (its values commit in any order). The
-- price is that writers concerning the same user run one after another at the head row; a
-- statement takes all the rows it needs at once, in user id order, so two changes fanned out to
-- the same people cannot deadlock there. Users deleted in this transaction (an account's deletion
-- cascading here) are left out.
CREATE FUNCTION "change_feed_write"(entries change_feed_entry[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  woken integer;
BEGIN
  WITH entry AS (
    SELECT e.*, row_number() OVER (PARTITION BY e.user_id ORDER BY e.seq) AS n
      FROM unnest(entries) AS e
      WHERE EXISTS (SELECT 1 FROM "user" u WHERE u.id = e.user_id)
  ), counted AS (
    SELECT user_id, count(*) AS n FROM entry GROUP BY user_id
  ), bumped AS (
    INSERT INTO change_feed_head AS h (user_id, last)
      SELECT user_id, n FROM counted ORDER BY user_id
      ON CONFLICT (user_id) DO UPDATE SET last = h.last + excluded.last
      RETURNING h.user_id, h.last
  ), appended AS (
    INSERT INTO change_feed (user_id, position, kind, list_id, from_list_id, task_id, member_id, op,
        at)
      SELECT e.user_id, b.last - c.n + e.n, e.kind, e.list_id, e.from_list_id, e.task_id,
          e.member_id, e.op, clock_timestamp()
        FROM entry e JOIN bumped b ON b.user_id = e.user_id JOIN counted c ON c.user_id = e.user_id
      RETURNING user_id
  )
  SELECT count(pg_notify('change_feed', d.user_id)) INTO woken
    FROM (SELECT DISTINCT user_id FROM appended) d;
END
$$;--> statement-breakpoint
-- Tasks written by one statement (statement-level, so a bulk insert or a list's deletion is one
-- pass): the members of each task's list hear of it. A move reaches the members of both lists,
-- each as it looks to them: members of both get `update` (`from_list_id` naming the list it
-- left), those only of the new list `insert`, those only of the list it left `delete` (with that
-- list's id). The memberships read are held
-- (KEY SHARE) until commit, so a member removed at the same moment either hears of the change
-- before their removal or not at all, never after it.
CREATE FUNCTION "change_feed_task"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  entries change_feed_entry[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM 1 FROM list_member m WHERE m.list_id IN (SELECT list_id FROM new_rows)
      ORDER BY m.list_id, m.user_id FOR KEY SHARE;
    SELECT array_agg(ROW(m.user_id, 'task', r.list_id, NULL, r.id, NULL, 'insert', r.seq)::change_feed_entry)
      INTO entries
      FROM (SELECT id, list_id, row_number() OVER () AS seq FROM new_rows) r
      JOIN list_member m ON m.list_id = r.list_id;
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM 1 FROM list_member m WHERE m.list_id IN (SELECT list_id FROM old_rows)
      ORDER BY m.list_id, m.user_id FOR KEY SHARE;
    SELECT array_agg(ROW(m.user_id, 'task', r.list_id, NULL, r.id, NULL, 'delete', r.seq)::change_feed_entry)
      INTO entries
      FROM (SELECT id, list_id, row_number() OVER () AS seq FROM old_rows) r
      JOIN list_member m ON m.list_id = r.list_id;
  ELSE
    PERFORM 1 FROM list_member m
      WHERE m.list_id IN (SELECT list_id FROM new_rows UNION SELECT list_id FROM old_rows)
      ORDER BY m.list_id, m.user_id FOR KEY SHARE;
    SELECT array_agg(ROW(s.user_id, 'task',
          CASE WHEN s.in_new THEN s.new_list ELSE s.old_list END,
          CASE WHEN s.in_new AND s.new_list <> s.old_list THEN s.old_list END, s.id, NULL,
          CASE
            WHEN s.new_list = s.old_list OR (s.in_new AND s.in_old) THEN 'update'
            WHEN s.in_new THEN 'insert'
            ELSE 'delete'
          END, s.seq)::change_feed_entry)
      INTO entries
      FROM (
        SELECT c.id, c.seq, c.new_list, c.old_list, m.user_id,
            bool_or(m.list_id = c.new_list) AS in_new, bool_or(m.list_id = c.old_list) AS in_old
          FROM (
            SELECT n.id, n.list_id AS new_list, o.list_id AS old_list,
                row_number() OVER () AS seq
              FROM new_rows n JOIN old_rows o ON o.id = n.id
          ) c
          JOIN list_member m ON m.list_id IN (c.new_list, c.old_list)
          GROUP BY c.id, c.seq, c.new_list, c.old_list, m.user_id
      ) s;
  END IF;
  IF entries IS NOT NULL THEN
    PERFORM change_feed_write(entries);
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "change_feed_task_insert" AFTER INSERT ON "task"
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "change_feed_task"();--> statement-breakpoint
CREATE TRIGGER "change_feed_task_update" AFTER UPDATE ON "task"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "change_feed_task"();--> statement-breakpoint
CREATE TRIGGER "change_feed_task_delete" AFTER DELETE ON "task"
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "change_feed_task"();--> statement-breakpoint
-- Memberships made, changed or ended (joining, a role change, removal, leaving, and each member
-- of a list or of an account being deleted): the list's members hear of it, and so does the
-- member concerned, whose last event of that list an ending is.
CREATE FUNCTION "change_feed_membership"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  entries change_feed_entry[];
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM 1 FROM list_member m WHERE m.list_id IN (SELECT list_id FROM old_rows)
      ORDER BY m.list_id, m.user_id FOR KEY SHARE;
    SELECT array_agg(ROW(r.recipient, 'lists', c.list_id, NULL, NULL, c.user_id, 'delete', c.seq)::change_feed_entry)
      INTO entries
      FROM (SELECT list_id, user_id, row_number() OVER () AS seq FROM old_rows) c
      CROSS JOIN LATERAL (
        SELECT m.user_id AS recipient FROM list_member m WHERE m.list_id = c.list_id
        UNION SELECT c.user_id
      ) r;
  ELSE
    PERFORM 1 FROM list_member m WHERE m.list_id IN (SELECT list_id FROM new_rows)
      ORDER BY m.list_id, m.user_id FOR KEY SHARE;
    SELECT array_agg(ROW(r.recipient, 'lists', c.list_id, NULL, NULL, c.user_id, lower(TG_OP), c.seq)::change_feed_entry)
      INTO entries
      FROM (SELECT list_id, user_id, row_number() OVER () AS seq FROM new_rows) c
      CROSS JOIN LATERAL (
        SELECT m.user_id AS recipient FROM list_member m WHERE m.list_id = c.list_id
        UNION SELECT c.user_id
      ) r;
  END IF;
  IF entries IS NOT NULL THEN
    PERFORM change_feed_write(entries);
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "change_feed_membership_insert" AFTER INSERT ON "list_member"
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "change_feed_membership"();--> statement-breakpoint
CREATE TRIGGER "change_feed_membership_update" AFTER UPDATE ON "list_member"
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "change_feed_membership"();--> statement-breakpoint
CREATE TRIGGER "change_feed_membership_delete" AFTER DELETE ON "list_member"
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "change_feed_membership"();--> statement-breakpoint
-- Lists renamed, recoloured or archived: their members hear of it (`member_id` null). A list's
-- deletion needs nothing of its own: its memberships end with it, each one an event above.
CREATE FUNCTION "change_feed_list"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  entries change_feed_entry[];
BEGIN
  PERFORM 1 FROM list_member m WHERE m.list_id IN (SELECT id FROM new_rows)
    ORDER BY m.list_id, m.user_id FOR KEY SHARE;
  SELECT array_agg(ROW(m.user_id, 'lists', r.id, NULL, NULL, NULL, 'update', r.seq)::change_feed_entry)
    INTO entries
    FROM (SELECT id, row_number() OVER () AS seq FROM new_rows) r
    JOIN list_member m ON m.list_id = r.id;
  IF entries IS NOT NULL THEN
    PERFORM change_feed_write(entries);
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "change_feed_list" AFTER UPDATE ON "list"
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "change_feed_list"();--> statement-breakpoint
-- Live delivery now reads the feed (woken by `change_feed`), so task rows no longer notify alone.
DROP TRIGGER "task_notify" ON "task";
