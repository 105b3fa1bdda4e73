-- CalDAV writes (docs: README, "Use your phone's tasks app"): each task a client wrote is kept as
-- the iCalendar it sent (dav_resource), lists a client made keep the path it chose
-- (dav_collection), and each person has a time zone for CalDAV's dates (user_setting).
-- Reversal, for review: drop the three tables.
CREATE TABLE "dav_collection" (
	"user_id" text NOT NULL,
	"name" text NOT NULL,
	"list_id" uuid NOT NULL,
	CONSTRAINT "dav_collection_pkey" PRIMARY KEY("user_id","name"),
	CONSTRAINT "dav_collection_name_length" CHECK (char_length("dav_collection"."name") between 1 and 255)
);
--> statement-breakpoint
CREATE TABLE "dav_resource" (
	"task_id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"uid" text NOT NULL,
	"parent_uid" text,
	"ics" text NOT NULL,
	"task_updated_at" timestamp (3) with time zone NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dav_resource_name_length" CHECK (char_length("dav_resource"."name") between 1 and 255),
	CONSTRAINT "dav_resource_uid_length" CHECK (char_length("dav_resource"."uid") between 1 and 255)
);
--> statement-breakpoint
CREATE TABLE "user_setting" (
	"user_id" text PRIMARY KEY NOT NULL,
	"time_zone" text DEFAULT 'UTC' NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "user_setting_time_zone_length" CHECK (char_length("user_setting"."time_zone") between 1 and 64)
);
--> statement-breakpoint
ALTER TABLE "dav_collection" ADD CONSTRAINT "dav_collection_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dav_collection" ADD CONSTRAINT "dav_collection_list_id_list_id_fk" FOREIGN KEY ("list_id") REFERENCES "public"."list"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_setting" ADD CONSTRAINT "user_setting_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "dav_collection_list_idx" ON "dav_collection" USING btree ("user_id","list_id");--> statement-breakpoint
CREATE INDEX "dav_resource_name_idx" ON "dav_resource" USING btree ("name");--> statement-breakpoint
CREATE INDEX "dav_resource_uid_idx" ON "dav_resource" USING btree ("uid");--> statement-breakpoint
CREATE INDEX "dav_resource_parent_uid_idx" ON "dav_resource" USING btree ("parent_uid") WHERE "dav_resource"."parent_uid" is not null;