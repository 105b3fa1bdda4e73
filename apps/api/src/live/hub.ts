import pg from "pg";
import { z } from "zod";

export const TASK_CHANNEL = "task_changes";
/** A reminder was sent: `{ user_id, id }`, from the statement that marked it (reminders.ts). */
export const REMINDER_CHANNEL = "task_reminders";
/** The set of pending reminders may have changed (trigger of migration 0003); no payload. */
export const REMINDER_SCHEDULE_CHANNEL = "task_reminder_schedule";

const ChangeSchema = z.object({
  user_id: z.string(),
  id: z.string(),
  op: z.enum(["insert", "update", "delete"]),
});
export type TaskChange = z.infer<typeof ChangeSchema>;
const ReminderSchema = z.object({ user_id: z.string(), id: z.string() });

/** What an owner's open streams hear: a change to one of their tasks, or a reminder that fired. */
export type LiveEvent =
  { kind: "task"; change: Omit<TaskChange, "user_id"> } | { kind: "reminder"; id: string };
type Listener = (event: LiveEvent) => void;

interface HubLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/**
 * One LISTEN connection per API process, fanning PostgreSQL notifications of task changes out to
 * the open event streams of each change's owner, and nobody else's. Reconnects by itself.
 */
export class LiveHub {
  private client: pg.Client | undefined;
  private readonly listeners = new Map<string, Set<Listener>>();
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private connected = false;
  private readonly scheduleListeners = new Set<() => void>();

  constructor(
    private readonly databaseUrl: string,
    private readonly log: HubLog,
  ) {}

  get isConnected(): boolean {
    return this.connected;
  }

  async start(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      application_name: "taskbridge-live",
    });
    client.on("notification", (message) => this.dispatch(message.channel, message.payload));
    client.on("error", () => this.reconnect(client));
    client.on("end", () => this.reconnect(client));
    try {
      await client.connect();
      await client.query(
        `LISTEN ${TASK_CHANNEL}; LISTEN ${REMINDER_CHANNEL}; LISTEN ${REMINDER_SCHEDULE_CHANNEL}`,
      );
      this.client = client;
      this.connected = true;
      this.log.info({}, "listening for task changes");
      // Notifications sent while no connection listened are lost: look at the schedule again.
      this.scheduleChanged();
    } catch (error) {
      this.log.warn(
        { error: error instanceof Error ? error.message : String(error) },
        "could not listen for task changes; retrying",
      );
      await client.end().catch(() => undefined);
      this.scheduleRetry();
    }
  }

  private reconnect(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.connected = false;
    client.end().catch(() => undefined);
    if (!this.stopped) {
      this.log.warn({}, "lost the task-change connection; reconnecting");
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.start();
    }, 2000);
  }

  private dispatch(channel: string, payload: string | undefined): void {
    if (channel === REMINDER_SCHEDULE_CHANNEL) return this.scheduleChanged();
    if (!payload) return;
    let raw: unknown;
    try {
      raw = JSON.parse(payload);
    } catch {
      return;
    }
    if (channel === REMINDER_CHANNEL) {
      const reminder = ReminderSchema.safeParse(raw);
      if (reminder.success)
        this.send(reminder.data.user_id, { kind: "reminder", id: reminder.data.id });
      return;
    }
    const parsed = ChangeSchema.safeParse(raw);
    if (!parsed.success) return;
    const { user_id: userId, ...change } = parsed.data;
    this.send(userId, { kind: "task", change });
  }

  private send(userId: string, event: LiveEvent): void {
    for (const listener of this.listeners.get(userId) ?? []) listener(event);
  }

  private scheduleChanged(): void {
    for (const listener of this.scheduleListeners) listener();
  }

  /** Calls `listener` when pending reminders may have changed, and after every (re)connect. */
  onScheduleChange(listener: () => void): () => void {
    this.scheduleListeners.add(listener);
    return () => this.scheduleListeners.delete(listener);
  }

  /** Calls `listener` for each change to `userId`'s tasks and each of their reminders; returns the unsubscribe function. */
  subscribe(userId: string, listener: Listener): () => void {
    let set = this.listeners.get(userId);
    if (!set) {
      set = new Set();
      this.listeners.set(userId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(userId);
    };
  }

  subscriberCount(userId: string): number {
    return this.listeners.get(userId)?.size ?? 0;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    this.connected = false;
    await client?.end().catch(() => undefined);
  }
}
