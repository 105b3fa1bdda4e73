CREATE TABLE "import_origin" (
	"user_id" text NOT NULL,
	"kind" text NOT NULL,
	"source_id" uuid NOT NULL,
	"list_id" uuid,
	"task_id" uuid,
	CONSTRAINT "import_origin_pkey" PRIMARY KEY("user_id","kind","source_id"),
	CONSTRAINT "import_origin_kind" CHECK ("import_origin"."kind" in ('list', 'task')),
	CONSTRAINT "import_origin_target" CHECK (("import_origin"."kind" = 'list' and "import_origin"."list_id" is not null and "import_origin"."task_id" is null) or ("import_origin"."kind" = 'task' and "import_origin"."task_id" is not null and "import_origin"."list_id" is null))
);
--> statement-breakpoint
ALTER TABLE "import_origin" ADD CONSTRAINT "import_origin_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_origin" ADD CONSTRAINT "import_origin_list_id_list_id_fk" FOREIGN KEY ("list_id") REFERENCES "public"."list"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_origin" ADD CONSTRAINT "import_origin_task_id_task_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."task"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "import_origin_list_idx" ON "import_origin" USING btree ("list_id") WHERE "import_origin"."list_id" is not null;--> statement-breakpoint
CREATE INDEX "import_origin_task_idx" ON "import_origin" USING btree ("task_id") WHERE "import_origin"."task_id" is not null;