-- Calendar dates: a due date was stored as an instant; it becomes its UTC date (the date every
-- client showed), and a time of day other than midnight moves to the new due_time, so nothing
-- that was set is lost. Reversal: due_date::timestamp + coalesce(due_time, '00:00') at time zone 'UTC'.
ALTER TABLE "task" ADD COLUMN "due_time" time(0);--> statement-breakpoint
UPDATE "task" SET "due_time" = date_trunc('minute', ("due_date" AT TIME ZONE 'UTC')::time)
  WHERE "due_date" IS NOT NULL AND ("due_date" AT TIME ZONE 'UTC')::time <> '00:00';--> statement-breakpoint
ALTER TABLE "task" ALTER COLUMN "due_date" SET DATA TYPE date USING ("due_date" AT TIME ZONE 'UTC')::date;--> statement-breakpoint
ALTER TABLE "task" ADD COLUMN "recurrence" text;--> statement-breakpoint
ALTER TABLE "task" ADD COLUMN "previous_id" uuid;--> statement-breakpoint
ALTER TABLE "task" ADD COLUMN "remind_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "task" ADD COLUMN "reminded_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "task" ADD CONSTRAINT "task_previous_id_fk" FOREIGN KEY ("previous_id") REFERENCES "public"."task"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "task_previous_id_idx" ON "task" USING btree ("previous_id");--> statement-breakpoint
CREATE INDEX "task_user_completed_due_idx" ON "task" USING btree ("user_id","completed","due_date","id");--> statement-breakpoint
-- Tags match case-insensitively and keep their spelling; the index needs an immutable function.
CREATE FUNCTION "task_lower_tags"(tags text[]) RETURNS text[]
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN ARRAY(SELECT lower(tag) FROM unnest(tags) AS tag);--> statement-breakpoint
DROP INDEX "task_tags_idx";--> statement-breakpoint
CREATE INDEX "task_lower_tags_idx" ON "task" USING gin (task_lower_tags("tags"));--> statement-breakpoint
CREATE INDEX "task_remind_pending_idx" ON "task" USING btree ("remind_at") WHERE "task"."reminded_at" is null and not "task"."completed" and "task"."remind_at" is not null;--> statement-breakpoint
ALTER TABLE "task" ADD CONSTRAINT "task_due_time_needs_date" CHECK ("task"."due_time" is null or "task"."due_date" is not null);--> statement-breakpoint
ALTER TABLE "task" ADD CONSTRAINT "task_recurrence_needs_date" CHECK ("task"."recurrence" is null or "task"."due_date" is not null);--> statement-breakpoint
-- Reminders: each API copy keeps a timer for the next pending reminder; this wakes them all when
-- the pending set may have changed, whichever copy (or script) changed it.
CREATE FUNCTION "task_reminder_schedule_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.remind_at IS NOT NULL AND NEW.reminded_at IS NULL AND NOT NEW.completed THEN
    PERFORM pg_notify('task_reminder_schedule', '');
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "task_reminder_schedule_notify" AFTER INSERT OR UPDATE OF "remind_at", "reminded_at", "completed" ON "task"
  FOR EACH ROW EXECUTE FUNCTION "task_reminder_schedule_notify"();
