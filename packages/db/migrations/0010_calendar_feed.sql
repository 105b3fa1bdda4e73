-- The calendar feed (docs: README, "Calendar feed"): one secret per person, the key of the
-- read-only iCalendar of their pending dated tasks at /feeds/<secret>.ics. Reversal, for review:
-- drop the table calendar_feed.
CREATE TABLE "calendar_feed" (
	"user_id" text PRIMARY KEY NOT NULL,
	"secret" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "calendar_feed" ADD CONSTRAINT "calendar_feed_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "calendar_feed_secret_idx" ON "calendar_feed" USING btree ("secret");