-- Live updates: every change to a task is announced on the `task_changes` channel with its
-- owner, so each API copy LISTENing there can tell that owner's open clients, whichever copy made
-- the change. Only ids travel; clients fetch the task itself through the owner-scoped API.
CREATE FUNCTION "task_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
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
    json_build_object('user_id', changed.user_id, 'id', changed.id, 'op', lower(TG_OP))::text
  );
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "task_notify" AFTER INSERT OR UPDATE OR DELETE ON "task"
  FOR EACH ROW EXECUTE FUNCTION "task_notify"();
