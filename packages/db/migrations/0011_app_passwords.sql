-- App passwords (docs: README, "App passwords"): a CalDAV client or a script signs in with one;
-- only its SHA-256 is kept. Deleting one (revoking it, or with its account) writes a
-- token_revocation row of kind app_password, announced to every API copy like the other kinds.
-- Reversal, for review: drop the trigger app_password_revoke and its function, restore the
-- check token_revocation_kind without app_password, then drop the table app_password.
CREATE TABLE "app_password" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" text NOT NULL,
	"name" text NOT NULL,
	"scope" text NOT NULL,
	"secret_hash" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp (3) with time zone,
	CONSTRAINT "app_password_name_length" CHECK (char_length("app_password"."name") between 1 and 100),
	CONSTRAINT "app_password_scope" CHECK ("app_password"."scope" in ('read_write', 'read_only'))
);
--> statement-breakpoint
ALTER TABLE "token_revocation" DROP CONSTRAINT "token_revocation_kind";--> statement-breakpoint
ALTER TABLE "app_password" ADD CONSTRAINT "app_password_user_id_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."user"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "app_password_secret_hash_idx" ON "app_password" USING btree ("secret_hash");--> statement-breakpoint
CREATE INDEX "app_password_user_idx" ON "app_password" USING btree ("user_id","created_at");--> statement-breakpoint
ALTER TABLE "token_revocation" ADD CONSTRAINT "token_revocation_kind" CHECK ("token_revocation"."kind" in ('session', 'user', 'client', 'app_password'));--> statement-breakpoint
CREATE FUNCTION "app_password_revoke"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "token_revocation" ("kind", "user_id", "subject")
    VALUES ('app_password', OLD.user_id, OLD.id::text);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "app_password_revoke" AFTER DELETE ON "app_password"
  FOR EACH ROW EXECUTE FUNCTION "app_password_revoke"();
