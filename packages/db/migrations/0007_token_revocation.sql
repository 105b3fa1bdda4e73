-- Revocation of issued tokens before their exp. A deleted session, user or app grant (OAuth
-- consent) leaves a row in token_revocation, written by triggers in the deleting transaction so
-- that every way of deleting counts (sign-out, "sign out of other sessions", a password change,
-- account deletion with its cascades, revoking a connected app, plain SQL); each row is announced
-- on the `token_revocations` channel when that transaction commits. Every API copy LISTENs there
-- and holds the recent rows in memory. Only ids travel; a session's secret token never does.
-- Reversal, for review: drop the triggers session_revoke, user_revoke, oauth_consent_revoke and
-- token_revocation_notify, their functions, then the table token_revocation.
CREATE TABLE "token_revocation" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "token_revocation_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"kind" text NOT NULL,
	"user_id" text NOT NULL,
	"subject" text NOT NULL,
	"revoked_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "token_revocation_kind" CHECK ("token_revocation"."kind" in ('session', 'user', 'client'))
);
--> statement-breakpoint
CREATE INDEX "token_revocation_revoked_at_idx" ON "token_revocation" USING btree ("revoked_at");--> statement-breakpoint
CREATE FUNCTION "token_revocation_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify(
    'token_revocations',
    json_build_object(
      'kind', NEW.kind,
      'user_id', NEW.user_id,
      'subject', NEW.subject,
      'revoked_at', (extract(epoch from NEW.revoked_at) * 1000)::bigint
    )::text
  );
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "token_revocation_notify" AFTER INSERT ON "token_revocation"
  FOR EACH ROW EXECUTE FUNCTION "token_revocation_notify"();
--> statement-breakpoint
CREATE FUNCTION "session_revoke"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "token_revocation" ("kind", "user_id", "subject")
    VALUES ('session', OLD.user_id, OLD.id);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "session_revoke" AFTER DELETE ON "session"
  FOR EACH ROW EXECUTE FUNCTION "session_revoke"();
--> statement-breakpoint
CREATE FUNCTION "user_revoke"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "token_revocation" ("kind", "user_id", "subject")
    VALUES ('user', OLD.id, OLD.id);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "user_revoke" AFTER DELETE ON "user"
  FOR EACH ROW EXECUTE FUNCTION "user_revoke"();
--> statement-breakpoint
CREATE FUNCTION "oauth_consent_revoke"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.user_id IS NOT NULL THEN
    INSERT INTO "token_revocation" ("kind", "user_id", "subject")
      VALUES ('client', OLD.user_id, OLD.client_id);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "oauth_consent_revoke" AFTER DELETE ON "oauth_consent"
  FOR EACH ROW EXECUTE FUNCTION "oauth_consent_revoke"();
