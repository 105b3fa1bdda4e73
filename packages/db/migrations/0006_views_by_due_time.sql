-- The views order each day by due time, all-day tasks (no time) first: the index the views and
-- counts read gains due_time, so a view is still one range of it per list, in order, with no sort.
-- Reversal, for review: recreate task_list_completed_due_idx on (list_id, completed, due_date, id).
DROP INDEX "task_list_completed_due_idx";--> statement-breakpoint
CREATE INDEX "task_list_completed_due_idx" ON "task" USING btree ("list_id","completed","due_date","due_time" NULLS FIRST,"id");
