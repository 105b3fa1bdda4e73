-- Lists, subtasks and sharing. Every task moves into its owner's new Inbox; nothing is lost.
-- Reversal, for review: drop the triggers and functions made here (restoring task_notify of
-- 0001), drop task's constraints and indexes made here, recreate the task_user_* indexes of
-- 0000 and 0003, drop the columns list_id, parent_id, assignee_id, created_by, subtask_count and
-- completed_subtask_count (each task keeps
-- its user_id, its owner before and after), then drop list_invite, list_member, list and the
-- types list_role and list_color.
CREATE TYPE "public"."list_color" AS ENUM('gray', 'red', 'orange', 'yellow', 'green', 'teal', 'blue', 'purple', 'pink');--> statement-breakpoint
CREATE TYPE "public"."list_role" AS ENUM('owner', 'editor', 'viewer');--> statement-breakpoint
CREATE TABLE "list" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" text NOT NULL,
	"name" text NOT NULL,
	"color" "list_color" DEFAULT 'gray' NOT NULL,
	"is_inbox" boolean DEFAULT false NOT NULL,
	"archived" boolean DEFAULT false NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "list_name_length" CHECK (char_length("list"."name") between 1 and 100),
	CONSTRAINT "list_name_trimmed" CHECK ("list"."name" = btrim("list"."name")),
	CONSTRAINT "list_inbox_not_archived" CHECK (not ("list"."is_inbox" and "list"."archived"))
);
--> statement-breakpoint
CREATE TABLE "list_invite" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"list_id" uuid NOT NULL,
	"token_hash" "bytea" NOT NULL,
	"role" "list_role" NOT NULL,
	"uses" integer DEFAULT 0 NOT NULL,
	"max_uses" integer DEFAULT 1 NOT NULL,
	"created_by" text,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"revoked_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "list_invite_role" CHECK ("list_invite"."role" <> 'owner'),
	CONSTRAINT "list_invite_max_uses" CHECK ("list_invite"."max_uses" between 1 and 100),
	CONSTRAINT "list_invite_uses" CHECK ("list_invite"."uses" between 0 and "list_invite"."max_uses")
);
--> statement-breakpoint
CREATE TABLE "list_member" (
	"user_id" text NOT NULL,
	"list_id" uuid NOT NULL,
	"role" "list_role" NOT NULL,
	"joined_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "list_member_pkey" PRIMARY KEY("user_id","list_id")
);
--> statement-breakpoint
ALTER TABLE "list" ADD CONSTRAINT "list_owner_id_user_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "list_invite" ADD CONSTRAINT "list_invite_list_id_list_id_fk" FOREIGN KEY ("list_id") REFERENCES "public"."list"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "list_invite" ADD CONSTRAINT "list_invite_created_by_user_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "list_member" ADD CONSTRAINT "list_member_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "list_member" ADD CONSTRAINT "list_member_list_id_list_id_fk" FOREIGN KEY ("list_id") REFERENCES "public"."list"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "list_one_inbox_idx" ON "list" USING btree ("owner_id") WHERE "list"."is_inbox";--> statement-breakpoint
CREATE INDEX "list_owner_idx" ON "list" USING btree ("owner_id");--> statement-breakpoint
CREATE UNIQUE INDEX "list_id_owner_idx" ON "list" USING btree ("id","owner_id");--> statement-breakpoint
CREATE UNIQUE INDEX "list_invite_token_hash_idx" ON "list_invite" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "list_invite_list_idx" ON "list_invite" USING btree ("list_id");--> statement-breakpoint
CREATE UNIQUE INDEX "list_member_list_user_idx" ON "list_member" USING btree ("list_id","user_id");--> statement-breakpoint
-- The owner of a list is its first member, whoever inserts the list.
CREATE FUNCTION "list_owner_member"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO list_member (user_id, list_id, role, joined_at)
    VALUES (NEW.owner_id, NEW.id, 'owner', NEW.created_at);
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "list_owner_member" AFTER INSERT ON "list"
  FOR EACH ROW EXECUTE FUNCTION "list_owner_member"();--> statement-breakpoint
-- Every account has its Inbox from the start, whoever creates the account.
CREATE FUNCTION "user_inbox"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO list (owner_id, name, is_inbox) VALUES (NEW.id, 'Inbox', true)
    ON CONFLICT (owner_id) WHERE is_inbox DO NOTHING;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "user_inbox" AFTER INSERT ON "user"
  FOR EACH ROW EXECUTE FUNCTION "user_inbox"();--> statement-breakpoint
INSERT INTO list (owner_id, name, is_inbox, created_at, updated_at)
  SELECT id, 'Inbox', true, created_at, created_at FROM "user";--> statement-breakpoint
ALTER TABLE "task" ADD COLUMN "list_id" uuid;--> statement-breakpoint
ALTER TABLE "task" ADD COLUMN "parent_id" uuid;--> statement-breakpoint
ALTER TABLE "task" ADD COLUMN "assignee_id" text;--> statement-breakpoint
ALTER TABLE "task" ADD COLUMN "created_by" text;--> statement-breakpoint
ALTER TABLE "task" ADD COLUMN "subtask_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "task" ADD COLUMN "completed_subtask_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Every existing task into its owner's Inbox, created by its owner.
ALTER TABLE "task" DISABLE TRIGGER USER;--> statement-breakpoint
UPDATE "task" SET "list_id" = inbox.id, "created_by" = task.user_id
  FROM list inbox WHERE inbox.owner_id = task.user_id AND inbox.is_inbox;--> statement-breakpoint
ALTER TABLE "task" ENABLE TRIGGER USER;--> statement-breakpoint
ALTER TABLE "task" ALTER COLUMN "list_id" SET NOT NULL;--> statement-breakpoint
DROP INDEX "task_user_created_idx";--> statement-breakpoint
DROP INDEX "task_user_updated_idx";--> statement-breakpoint
DROP INDEX "task_user_due_idx";--> statement-breakpoint
DROP INDEX "task_user_priority_idx";--> statement-breakpoint
DROP INDEX "task_user_title_idx";--> statement-breakpoint
DROP INDEX "task_user_completed_due_idx";--> statement-breakpoint
CREATE UNIQUE INDEX "task_list_id_idx" ON "task" USING btree ("list_id","id");--> statement-breakpoint
ALTER TABLE "task" ADD CONSTRAINT "task_created_by_user_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."user"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task" ADD CONSTRAINT "task_list_fk" FOREIGN KEY ("list_id","user_id") REFERENCES "public"."list"("id","owner_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task" ADD CONSTRAINT "task_parent_fk" FOREIGN KEY ("list_id","parent_id") REFERENCES "public"."task"("list_id","id") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
-- Leaving a list (or losing the account) clears one's assignments there, and only the assignee.
ALTER TABLE "task" ADD CONSTRAINT "task_assignee_fk" FOREIGN KEY ("list_id","assignee_id") REFERENCES "public"."list_member"("list_id","user_id") ON DELETE SET NULL ("assignee_id") ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "task_list_created_idx" ON "task" USING btree ("list_id","created_at","id");--> statement-breakpoint
CREATE INDEX "task_list_updated_idx" ON "task" USING btree ("list_id","updated_at","id");--> statement-breakpoint
CREATE INDEX "task_list_due_idx" ON "task" USING btree ("list_id","due_date","id");--> statement-breakpoint
CREATE INDEX "task_list_priority_idx" ON "task" USING btree ("list_id","priority","id");--> statement-breakpoint
CREATE INDEX "task_list_title_idx" ON "task" USING btree ("list_id",lower("title"),"id");--> statement-breakpoint
CREATE INDEX "task_list_completed_due_idx" ON "task" USING btree ("list_id","completed","due_date","id");--> statement-breakpoint
CREATE INDEX "task_parent_idx" ON "task" USING btree ("parent_id","completed") WHERE "task"."parent_id" is not null;--> statement-breakpoint
CREATE INDEX "task_user_idx" ON "task" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "task_assignee_idx" ON "task" USING btree ("assignee_id") WHERE "task"."assignee_id" is not null;--> statement-breakpoint
CREATE INDEX "task_created_by_idx" ON "task" USING btree ("created_by") WHERE "task"."created_by" is not null;--> statement-breakpoint
ALTER TABLE "task" ADD CONSTRAINT "task_not_own_parent" CHECK ("task"."parent_id" is null or "task"."parent_id" <> "task"."id");--> statement-breakpoint
ALTER TABLE "task" ADD CONSTRAINT "task_subtask_counts" CHECK ("task"."completed_subtask_count" between 0 and "task"."subtask_count");--> statement-breakpoint
-- Every task carries the counts of its direct subtasks, kept by the database whoever writes, so
-- a list reads them with the rows instead of counting per row. A subtask's change updates its
-- parent after its own row: locks go from a subtask to its parent, never the other way.
CREATE FUNCTION "task_subtask_counts"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.parent_id IS NOT NULL THEN
    UPDATE task SET subtask_count = subtask_count - 1,
        completed_subtask_count = completed_subtask_count - OLD.completed::int
      WHERE id = OLD.parent_id;
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.parent_id IS NOT NULL THEN
    UPDATE task SET subtask_count = subtask_count + 1,
        completed_subtask_count = completed_subtask_count + NEW.completed::int
      WHERE id = NEW.parent_id;
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "task_subtask_counts_insert" AFTER INSERT ON "task"
  FOR EACH ROW WHEN (NEW.parent_id IS NOT NULL) EXECUTE FUNCTION "task_subtask_counts"();--> statement-breakpoint
CREATE TRIGGER "task_subtask_counts_delete" AFTER DELETE ON "task"
  FOR EACH ROW WHEN (OLD.parent_id IS NOT NULL) EXECUTE FUNCTION "task_subtask_counts"();--> statement-breakpoint
CREATE TRIGGER "task_subtask_counts_update" AFTER UPDATE OF "parent_id", "completed" ON "task"
  FOR EACH ROW WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id
    OR (NEW.parent_id IS NOT NULL AND OLD.completed IS DISTINCT FROM NEW.completed))
  EXECUTE FUNCTION "task_subtask_counts"();--> statement-breakpoint
-- A task's user_id is always the owner of its list. An insert that names only a user (scripts
-- and tools written before lists) puts the task in that user's Inbox, created by that user; a
-- task that moves to another list (its subtasks move with it, by task_parent_fk) changes owner.
CREATE FUNCTION "task_list_owner"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.list_id IS NULL THEN
    SELECT id INTO NEW.list_id FROM list WHERE owner_id = NEW.user_id AND is_inbox;
    IF NEW.list_id IS NULL THEN
      INSERT INTO list (owner_id, name, is_inbox) VALUES (NEW.user_id, 'Inbox', true)
        ON CONFLICT (owner_id) WHERE is_inbox DO NOTHING;
      SELECT id INTO NEW.list_id FROM list WHERE owner_id = NEW.user_id AND is_inbox;
    END IF;
    IF TG_OP = 'INSERT' AND NEW.created_by IS NULL THEN
      NEW.created_by := NEW.user_id;
    END IF;
  ELSIF TG_OP = 'INSERT' OR NEW.list_id IS DISTINCT FROM OLD.list_id OR NEW.user_id IS NULL THEN
    SELECT owner_id INTO NEW.user_id FROM list WHERE id = NEW.list_id;
  END IF;
  RETURN NEW;
END
$$;--> statement-breakpoint
CREATE TRIGGER "task_list_owner" BEFORE INSERT OR UPDATE OF "list_id" ON "task"
  FOR EACH ROW EXECUTE FUNCTION "task_list_owner"();--> statement-breakpoint
-- Live updates now name the task's list (and, for a move, the list it left): each API copy
-- tells the open streams of that list's members.
CREATE OR REPLACE FUNCTION "task_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed record;
BEGIN
  IF TG_OP = 'DELETE' THEN
    changed := OLD;
  ELSE
    changed := NEW;
  END IF;
  PERFORM pg_notify(
    'task_changes',
    json_build_object(
      'user_id', changed.user_id,
      'list_id', changed.list_id,
      'from_list_id', CASE WHEN TG_OP = 'UPDATE' AND OLD.list_id <> NEW.list_id THEN OLD.list_id END,
      'id', changed.id,
      'op', lower(TG_OP)
    )::text
  );
  RETURN NULL;
END
$$;--> statement-breakpoint
-- Membership and list changes, for the `lists` event of every member's streams (and of a member
-- who was just removed, whose streams stop hearing of that list).
CREATE FUNCTION "list_member_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed record;
BEGIN
  IF TG_OP = 'DELETE' THEN
    changed := OLD;
  ELSE
    changed := NEW;
  END IF;
  PERFORM pg_notify(
    'list_changes',
    json_build_object('list_id', changed.list_id, 'user_id', changed.user_id, 'op', lower(TG_OP))::text
  );
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "list_member_notify" AFTER INSERT OR UPDATE OR DELETE ON "list_member"
  FOR EACH ROW EXECUTE FUNCTION "list_member_notify"();--> statement-breakpoint
CREATE FUNCTION "list_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify(
    'list_changes',
    json_build_object('list_id', NEW.id, 'user_id', null, 'op', 'update')::text
  );
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "list_notify" AFTER UPDATE ON "list"
  FOR EACH ROW EXECUTE FUNCTION "list_notify"();
