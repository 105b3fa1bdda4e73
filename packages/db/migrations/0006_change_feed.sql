-- The change feed: every change to a task or a list, as each user concerned sees it, in order and
-- without gaps, written by triggers in the transaction of the change (so no route can forget it).
-- Reversal, for review: drop the triggers and functions made here, recreate task_notify's
-- trigger of 0001 (its function, of 0005, is kept), then drop change_feed and change_feed_head.
CREATE TABLE "change_feed" (
	"user_id" text NOT NULL,
	"position" bigint NOT NULL,
	"kind" text NOT NULL,
	"list_id" uuid NOT NULL,
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
CREATE INDEX "change_feed_at_idx" ON "change_feed" USING btree ("at");--> statement-breakpoint
-- Appends one change to the feeds of `users` (one entry each: its list and op), and wakes every API
-- copy listening on `change_feed` (the payload is the user id: the copy reads the rows itself).
--
-- Gap-free, per user: a position is taken by updating the user's change_feed_head row, whose lock
-- is held until the writing transaction ends. The next writer for that user waits for it, so
-- position N+1 can only commit after the transaction of N has committed (or rolled back, which
-- also rolls `last` back and hands N to the next writer). A reader who sees N+1 therefore already
-- sees 1…N: "everything after N, in order" never skips a change that is still to come, which a
-- sequence could not promise (its values commit in any order). The price is that writers
-- concerning the same user run one after another at the head row; those rows are taken in user
-- id order within a statement, so two changes fanned out to the same people cannot deadlock there.
-- Users deleted in this transaction (an account's deletion cascading here) are left out.
CREATE FUNCTION "change_feed_write"(p_kind text, p_users text[], p_lists uuid[], p_ops text[],
    p_task uuid, p_member text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  written integer;
BEGIN
  WITH entry AS (
    SELECT e.user_id, e.list_id, e.op
      FROM unnest(p_users, p_lists, p_ops) AS e(user_id, list_id, op)
      WHERE EXISTS (SELECT 1 FROM "user" u WHERE u.id = e.user_id)
  ), bumped AS (
    INSERT INTO change_feed_head AS h (user_id, last)
      SELECT user_id, 1 FROM entry ORDER BY user_id
      ON CONFLICT (user_id) DO UPDATE SET last = h.last + 1
      RETURNING h.user_id, h.last
  ), appended AS (
    INSERT INTO change_feed (user_id, position, kind, list_id, task_id, member_id, op, at)
      SELECT b.user_id, b.last, p_kind, e.list_id, p_task, p_member, e.op, clock_timestamp()
      FROM bumped b JOIN entry e ON e.user_id = b.user_id
      RETURNING user_id
  )
  SELECT count(pg_notify('change_feed', user_id)) INTO written FROM appended;
END
$$;--> statement-breakpoint
-- A task written: its list's members hear of it. A move reaches the members of both lists, each
-- as it looks to them: members of both get `update`, those only of the new list `insert`, those
-- only of the list it left `delete` (with that list's id). The memberships read are held (KEY
-- SHARE) until commit, so a member removed at the same moment either hears of the change before
-- their removal or not at all, never after it.
CREATE FUNCTION "change_feed_task"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_new uuid;
  v_old uuid;
  v_task uuid;
  v_users text[];
  v_lists uuid[];
  v_ops text[];
BEGIN
  IF TG_OP <> 'DELETE' THEN
    v_new := NEW.list_id;
    v_task := NEW.id;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    v_old := OLD.list_id;
    v_task := OLD.id;
  END IF;
  PERFORM 1 FROM list_member m WHERE m.list_id IN (v_new, v_old)
    ORDER BY m.user_id, m.list_id FOR KEY SHARE;
  SELECT array_agg(r.user_id ORDER BY r.user_id), array_agg(r.list_id ORDER BY r.user_id),
      array_agg(r.op ORDER BY r.user_id)
    INTO v_users, v_lists, v_ops
    FROM (
      SELECT m.user_id,
          CASE WHEN bool_or(m.list_id = v_new) THEN v_new ELSE v_old END AS list_id,
          CASE
            WHEN TG_OP <> 'UPDATE' OR v_new = v_old THEN lower(TG_OP)
            WHEN bool_or(m.list_id = v_new) AND bool_or(m.list_id = v_old) THEN 'update'
            WHEN bool_or(m.list_id = v_new) THEN 'insert'
            ELSE 'delete'
          END AS op
        FROM list_member m WHERE m.list_id IN (v_new, v_old)
        GROUP BY m.user_id
    ) r;
  IF v_users IS NOT NULL THEN
    PERFORM change_feed_write('task', v_users, v_lists, v_ops, v_task, NULL);
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "change_feed_task" AFTER INSERT OR UPDATE OR DELETE ON "task"
  FOR EACH ROW EXECUTE FUNCTION "change_feed_task"();--> statement-breakpoint
-- A membership made, changed or ended (joining, a role change, removal, leaving, and each member
-- of a list being deleted or of an account being deleted): the list's members hear of it, and so
-- does the member concerned, whose last event of that list an ending is.
CREATE FUNCTION "change_feed_membership"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_list uuid;
  v_member text;
  v_users text[];
BEGIN
  IF TG_OP = 'DELETE' THEN
    v_list := OLD.list_id;
    v_member := OLD.user_id;
  ELSE
    v_list := NEW.list_id;
    v_member := NEW.user_id;
  END IF;
  PERFORM 1 FROM list_member m WHERE m.list_id = v_list AND m.user_id <> v_member
    ORDER BY m.user_id FOR KEY SHARE;
  SELECT array_agg(u.user_id ORDER BY u.user_id) INTO v_users FROM (
    SELECT m.user_id FROM list_member m WHERE m.list_id = v_list
    UNION SELECT v_member
  ) u;
  PERFORM change_feed_write('lists', v_users,
    array_fill(v_list, ARRAY[cardinality(v_users)]),
    array_fill(lower(TG_OP), ARRAY[cardinality(v_users)]), NULL, v_member);
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "change_feed_membership" AFTER INSERT OR UPDATE OR DELETE ON "list_member"
  FOR EACH ROW EXECUTE FUNCTION "change_feed_membership"();--> statement-breakpoint
-- A list renamed, recoloured or archived: its members hear of it (`member_id` null). A list's
-- deletion needs nothing of its own: its memberships end with it, each one an event above.
CREATE FUNCTION "change_feed_list"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_users text[];
BEGIN
  PERFORM 1 FROM list_member m WHERE m.list_id = NEW.id ORDER BY m.user_id FOR KEY SHARE;
  SELECT array_agg(m.user_id ORDER BY m.user_id) INTO v_users
    FROM list_member m WHERE m.list_id = NEW.id;
  IF v_users IS NOT NULL THEN
    PERFORM change_feed_write('lists', v_users,
      array_fill(NEW.id, ARRAY[cardinality(v_users)]),
      array_fill('update'::text, ARRAY[cardinality(v_users)]), NULL, NULL);
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "change_feed_list" AFTER UPDATE ON "list"
  FOR EACH ROW EXECUTE FUNCTION "change_feed_list"();--> statement-breakpoint
-- Live delivery now reads the feed (woken by `change_feed`), so task rows no longer notify alone.
DROP TRIGGER "task_notify" ON "task";
