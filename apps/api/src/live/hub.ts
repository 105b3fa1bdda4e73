import pg from "pg";
import type { ListIdsCache } from "./list-ids.ts";
import { z } from "zod";

/** A user's change feed grew (triggers of migration 0008); the payload is the user's id. */
export const FEED_CHANNEL = "change_feed";
/** A membership or a list row changed: `{ list_id, user_id, op }` (triggers of migration 0005). */
export const LIST_CHANNEL = "list_changes";
/** A reminder was sent: `{ user_id, id }`, from the statement that marked it (reminders.ts). */
export const REMINDER_CHANNEL = "task_reminders";
/** The set of pending reminders may have changed (trigger of migration 0003); no payload. */
export const REMINDER_SCHEDULE_CHANNEL = "task_reminder_schedule";

const ListNotificationSchema = z.object({
  list_id: z.string(),
  user_id: z.string().nullable(),
  op: z.enum(["insert", "update", "delete"]),
});
const ReminderSchema = z.object({ user_id: z.string(), id: z.string() });

/**
 * What a user's open streams hear: `feed`, their change feed may have grown (read it after the
 * last position the stream wrote: the feed says what changed, in order, and for whom), or a
 * reminder for them.
 */
export type LiveEvent = { kind: "feed" } | { kind: "reminder"; id: string };
type Listener = (event: LiveEvent) => void;

interface HubLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/**
 * One LISTEN connection per API process, waking the open event streams of a user when their
 * change feed grew, on whichever copy the change was made. Which changes reach whom is decided
 * once, in the database, when the change is written (the feed's triggers fan a change out to
 * the members of its list), so the hub keeps no memberships: a notification only says "read
 * your feed". Notifications sent while no connection listened are lost, so after every
 * (re)connection every stream is woken to read its feed again, and nothing is missed.
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
    /** This process's cache of callers' list ids, kept current from `list_changes`. */
    private readonly listIds?: ListIdsCache,
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
        `LISTEN ${FEED_CHANNEL}; LISTEN ${LIST_CHANNEL}; LISTEN ${REMINDER_CHANNEL}; ` +
          `LISTEN ${REMINDER_SCHEDULE_CHANNEL}`,
      );
      this.client = client;
      this.connected = true;
      this.listIds?.listening();
      this.log.info({}, "listening for task changes");
      // Notifications sent while no connection listened are lost: every stream reads its feed
      // again, and the schedule is read again, now that nothing more can be missed.
      for (const listeners of this.listeners.values()) this.emit(listeners, { kind: "feed" });
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
    this.listIds?.deaf();
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
    if (channel === FEED_CHANNEL) {
      const listeners = this.listeners.get(payload);
      if (listeners) this.emit(listeners, { kind: "feed" });
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(payload);
    } catch {
      return;
    }
    if (channel === REMINDER_CHANNEL) {
      // Addressed to one person, who is a member (reminders.ts); the route reads the task as them.
      const reminder = ReminderSchema.safeParse(raw);
      const listeners = reminder.success ? this.listeners.get(reminder.data.user_id) : undefined;
      if (reminder.success && listeners)
        this.emit(listeners, { kind: "reminder", id: reminder.data.id });
      return;
    }
    if (channel === LIST_CHANNEL) {
      const parsed = ListNotificationSchema.safeParse(raw);
      if (parsed.success && parsed.data.user_id !== null) this.listIds?.forget(parsed.data.user_id);
    }
  }

  private emit(listeners: Set<Listener>, event: LiveEvent): void {
    for (const listener of listeners) listener(event);
  }

  private scheduleChanged(): void {
    for (const listener of this.scheduleListeners) listener();
  }

  /** Calls `listener` when pending reminders may have changed, and after every (re)connect. */
  onScheduleChange(listener: () => void): () => void {
    this.scheduleListeners.add(listener);
    return () => this.scheduleListeners.delete(listener);
  }

  /**
   * Calls `listener` whenever `userId`'s change feed may have grown and for each reminder sent
   * to them; returns the unsubscribe function. A change committed after this call wakes it.
   */
  subscribe(userId: string, listener: Listener): () => void {
    let listeners = this.listeners.get(userId);
    if (!listeners) {
      listeners = new Set();
      this.listeners.set(userId, listeners);
    }
    const subscribed = listeners;
    subscribed.add(listener);
    return () => {
      subscribed.delete(listener);
      if (subscribed.size === 0 && this.listeners.get(userId) === subscribed)
        this.listeners.delete(userId);
    };
  }

  subscriberCount(userId: string): number {
    return this.listeners.get(userId)?.size ?? 0;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.listIds?.deaf();
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    this.connected = false;
    await client?.end().catch(() => undefined);
  }
}
