import type pg from "pg";
import { createPool } from "@taskbridge/db/client";
import { REMINDER_CHANNEL } from "./hub.ts";

interface SchedulerLog {
  warn(obj: object, msg: string): void;
}

/** setTimeout's longest delay (about 24.8 days); a later reminder is looked at again then. */
const MAX_DELAY_MS = 2 ** 31 - 1;
/** Pause before looking again when reminders are due but another transaction holds them. */
const BUSY_RETRY_MS = 1000;
const ERROR_RETRY_MS = 5000;

/**
 * Marks every due reminder as sent and announces each one on `task_reminders`, in one statement:
 * a row is taken by exactly one API copy (SKIP LOCKED, `reminded_at is null`), and the
 * notification leaves only if that statement commits. It is addressed to one person, who must
 * still be a member of the task's list: the assignee, else the creator, else the list's owner
 * (`task.user_id`, a member for as long as the list exists). Each copy's hub then tells that
 * person's streams it holds, so a reminder reaches every stream once, whichever copy fired it.
 */
const FIRE_DUE_REMINDERS = `
  with due as (
    select id from task
    where remind_at <= now() and reminded_at is null and not completed
    order by remind_at
    limit $1
    for update skip locked
  ), fired as (
    update task set reminded_at = now() from due where task.id = due.id
    returning task.id, task.list_id, task.user_id, task.assignee_id, task.created_by
  )
  select pg_notify(
    '${REMINDER_CHANNEL}',
    json_build_object(
      'user_id', coalesce(assignee.user_id, creator.user_id, fired.user_id),
      'id', fired.id
    )::text
  )
  from fired
  left join list_member assignee
    on assignee.list_id = fired.list_id and assignee.user_id = fired.assignee_id
  left join list_member creator
    on creator.list_id = fired.list_id and creator.user_id = fired.created_by`;

/** Milliseconds until the next pending reminder, read off a partial index; null when none. */
const NEXT_REMINDER_DELAY = `
  select greatest(0, ceil(extract(epoch from (min(remind_at) - now())) * 1000))::float8 as delay
  from task
  where remind_at is not null and reminded_at is null and not completed`;

/**
 * Sends reminders when they are due, driven by PostgreSQL: one timer set to the next pending
 * reminder, woken early when the schedule changes (LISTEN, through the hub) and at start, so a
 * reminder whose time passed while no copy ran is sent as soon as one starts. Never a poll.
 * It has a connection of its own, so it never takes one from a request.
 */
export class ReminderScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly pool: pg.Pool;

  private readonly batchSize: number;
  private readonly onSent: (count: number) => void;

  constructor(
    databaseUrl: string,
    private readonly log: SchedulerLog,
    options: {
      batchSize?: number;
      /** Told how many reminders this copy just sent (for the metrics). */
      onSent?: (count: number) => void;
    } = {},
  ) {
    this.batchSize = options.batchSize ?? 100;
    this.onSent = options.onSent ?? (() => {});
    this.pool = createPool(databaseUrl, { max: 1, applicationName: "taskbridge-reminders" });
  }

  /** Fires what is due and sets the timer again; calls while it runs are merged into one more run. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async run(): Promise<void> {
    try {
      let fired = 0;
      for (;;) {
        const result = await this.pool.query(FIRE_DUE_REMINDERS, [this.batchSize]);
        fired += result.rowCount ?? 0;
        if (result.rowCount) this.onSent(result.rowCount);
        if ((result.rowCount ?? 0) < this.batchSize || this.stopped) break;
      }
      const next = await this.pool.query<{ delay: number | null }>(NEXT_REMINDER_DELAY);
      const delay = next.rows[0]?.delay ?? null;
      if (delay === null) return;
      // Due yet none taken: another transaction holds those rows; look again shortly.
      const wait = delay === 0 && fired === 0 ? BUSY_RETRY_MS : Math.min(delay, MAX_DELAY_MS);
      this.schedule(wait);
    } catch (error) {
      this.log.warn(
        { error: error instanceof Error ? error.message : String(error) },
        "could not send due reminders; retrying",
      );
      this.schedule(ERROR_RETRY_MS);
    }
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.wake(), delay);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.pool.end();
  }
}
