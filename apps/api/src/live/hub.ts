import pg from "pg";
import type { ListIdsCache } from "./list-ids.ts";
import { z } from "zod";

/** A task was written: `{ user_id, list_id, from_list_id, id, op }` (trigger of migration 0005). */
export const TASK_CHANNEL = "task_changes";
/** A membership or a list row changed: `{ list_id, user_id, op }` (triggers of migration 0005). */
export const LIST_CHANNEL = "list_changes";
/** A reminder was sent: `{ user_id, id }`, from the statement that marked it (reminders.ts). */
export const REMINDER_CHANNEL = "task_reminders";
/** The set of pending reminders may have changed (trigger of migration 0003); no payload. */
export const REMINDER_SCHEDULE_CHANNEL = "task_reminder_schedule";

const OpSchema = z.enum(["insert", "update", "delete"]);
type Op = z.infer<typeof OpSchema>;
const TaskNotificationSchema = z.object({
  list_id: z.string(),
  // Set only when an update moved the task: the list it left.
  from_list_id: z.string().nullish(),
  id: z.string(),
  op: OpSchema,
});
type TaskNotification = z.infer<typeof TaskNotificationSchema>;
const ListNotificationSchema = z.object({
  list_id: z.string(),
  // The member concerned; null for a change of the list row itself (rename, colour, archive).
  user_id: z.string().nullable(),
  op: OpSchema,
});
type ListNotification = z.infer<typeof ListNotificationSchema>;
const ReminderSchema = z.object({ user_id: z.string(), id: z.string() });

type Notification =
  { channel: "task"; data: TaskNotification } | { channel: "list"; data: ListNotification };

/** `event: task` as a member's stream sees it: `list_id` is the list the change is about for them. */
export interface TaskEvent {
  id: string;
  op: Op;
  list_id: string;
}
/** `event: lists`: `user_id` joined (insert), changed role (update) or left (delete) `list_id`. */
export type ListEvent = ListNotification;

/**
 * What a user's open streams hear: a change to a task of a list they are in, a change of one of
 * their lists' membership or settings, a reminder for them, or `lost`: the hub can no longer tell
 * which lists they are in, so the stream must end (the client reconnects).
 */
export type LiveEvent =
  | { kind: "task"; change: TaskEvent }
  | { kind: "lists"; change: ListEvent }
  | { kind: "reminder"; id: string }
  | { kind: "lost" };
type Listener = (event: LiveEvent) => void;

/** The ids of the lists `userId` is a member of, read from the database. */
export type ListIdsLoader = (userId: string) => Promise<string[]>;

interface HubLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** One user with open streams in this process. */
interface Member {
  listeners: Set<Listener>;
  /** The lists they are in; meaningful once `pending` is undefined. */
  lists: Set<string>;
  /** While their lists load: the notifications that arrived meanwhile, replayed after. */
  pending: Notification[] | undefined;
  /** Counts loads, so the answer of a load overtaken by a newer one is ignored. */
  loads: number;
}

/** Notifications held for one loading user before the hub gives up on their streams. */
const MAX_PENDING = 10_000;

/**
 * One LISTEN connection per API process, fanning PostgreSQL notifications out to the open event
 * streams of the members of the list concerned, and nobody else's. For each user with streams
 * here it keeps the set of lists they are in: read once when their first stream opens (and again
 * after every reconnect, since notifications sent while no connection listened are lost), then
 * kept current from `list_changes`. Notifications that arrive while a set loads are held and
 * replayed on it: the read sees every membership committed before it, the held notifications
 * every one committed after it began, so applied in commit order they end at the truth.
 */
export class LiveHub {
  private client: pg.Client | undefined;
  private readonly members = new Map<string, Member>();
  /** List id → the users here whose loaded set holds it. */
  private readonly byList = new Map<string, Set<string>>();
  /** Users here whose set is loading. */
  private readonly loading = new Set<string>();
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private connected = false;
  private readonly scheduleListeners = new Set<() => void>();

  constructor(
    private readonly databaseUrl: string,
    private readonly log: HubLog,
    private readonly loadListIds: ListIdsLoader,
    /** This process's cache of callers' list ids, kept current from the same notifications. */
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
        `LISTEN ${TASK_CHANNEL}; LISTEN ${LIST_CHANNEL}; LISTEN ${REMINDER_CHANNEL}; ` +
          `LISTEN ${REMINDER_SCHEDULE_CHANNEL}`,
      );
      this.client = client;
      this.connected = true;
      this.listIds?.listening();
      this.log.info({}, "listening for task changes");
      // Notifications sent while no connection listened are lost: read every set and the
      // schedule again, now that nothing more can be missed.
      for (const [userId, member] of this.members) this.load(userId, member);
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
    let raw: unknown;
    try {
      raw = JSON.parse(payload);
    } catch {
      return;
    }
    if (channel === REMINDER_CHANNEL) {
      // Addressed to one person, who is a member (reminders.ts); the route reads the task as them.
      const reminder = ReminderSchema.safeParse(raw);
      const member = reminder.success ? this.members.get(reminder.data.user_id) : undefined;
      if (reminder.success && member) this.emit(member, { kind: "reminder", id: reminder.data.id });
      return;
    }
    if (channel === TASK_CHANNEL) {
      const parsed = TaskNotificationSchema.safeParse(raw);
      if (!parsed.success) return;
      const { list_id: listId, from_list_id: fromListId } = parsed.data;
      const to = this.recipients(listId, fromListId ?? undefined);
      for (const userId of to) this.deliver(userId, { channel: "task", data: parsed.data });
      return;
    }
    if (channel === LIST_CHANNEL) {
      const parsed = ListNotificationSchema.safeParse(raw);
      if (!parsed.success) return;
      if (parsed.data.user_id !== null) this.listIds?.forget(parsed.data.user_id);
      const to = this.recipients(parsed.data.list_id);
      // The member concerned hears of it too: one just added is in no set yet.
      const concerned = parsed.data.user_id;
      if (concerned !== null && this.members.has(concerned)) to.add(concerned);
      for (const userId of to) this.deliver(userId, { channel: "list", data: parsed.data });
    }
  }

  /** Users here who may need a notification about these lists: their members, and anyone loading. */
  private recipients(listId: string, otherListId?: string): Set<string> {
    const to = new Set(this.loading);
    for (const userId of this.byList.get(listId) ?? []) to.add(userId);
    if (otherListId !== undefined)
      for (const userId of this.byList.get(otherListId) ?? []) to.add(userId);
    return to;
  }

  private deliver(userId: string, notification: Notification): void {
    const member = this.members.get(userId);
    if (!member) return;
    if (member.pending) {
      member.pending.push(notification);
      if (member.pending.length > MAX_PENDING) {
        this.log.warn({ userId }, "too many changes while reading a user's lists; ending streams");
        this.lose(userId, member);
      }
      return;
    }
    if (notification.channel === "task") this.deliverTask(member, notification.data);
    else this.deliverList(userId, member, notification.data);
  }

  private deliverTask(member: Member, change: TaskNotification): void {
    const from = change.from_list_id ?? undefined;
    const inList = member.lists.has(change.list_id);
    const inFrom = from !== undefined && member.lists.has(from);
    if (inList) {
      // Moved in from a list they are not in: to them the task is new.
      const op = from !== undefined && !inFrom && change.op === "update" ? "insert" : change.op;
      this.emit(member, { kind: "task", change: { id: change.id, op, list_id: change.list_id } });
    } else if (inFrom) {
      // Moved out to a list they are not in: to them it is gone, as if deleted.
      this.emit(member, { kind: "task", change: { id: change.id, op: "delete", list_id: from } });
    }
  }

  private deliverList(userId: string, member: Member, change: ListNotification): void {
    const own = change.user_id === userId;
    // A member row inserted or updated exists: they are in the list.
    if (own && change.op !== "delete") this.join(userId, member, change.list_id);
    if (own || member.lists.has(change.list_id)) this.emit(member, { kind: "lists", change });
    // After this event, nothing more of that list reaches them.
    if (own && change.op === "delete") this.leave(userId, member, change.list_id);
  }

  private join(userId: string, member: Member, listId: string): void {
    member.lists.add(listId);
    let users = this.byList.get(listId);
    if (!users) {
      users = new Set();
      this.byList.set(listId, users);
    }
    users.add(userId);
  }

  private leave(userId: string, member: Member, listId: string): void {
    member.lists.delete(listId);
    const users = this.byList.get(listId);
    users?.delete(userId);
    if (users?.size === 0) this.byList.delete(listId);
  }

  /** (Re)reads the lists of `userId`, holding their notifications until it answers. */
  private load(userId: string, member: Member): void {
    const load = ++member.loads;
    if (!member.pending) {
      member.pending = [];
      this.loading.add(userId);
    }
    const current = () => this.members.get(userId) === member && member.loads === load;
    this.loadListIds(userId).then(
      (listIds) => {
        if (!current()) return;
        for (const listId of [...member.lists]) this.leave(userId, member, listId);
        for (const listId of listIds) this.join(userId, member, listId);
        const pending = member.pending ?? [];
        member.pending = undefined;
        this.loading.delete(userId);
        for (const notification of pending) this.deliver(userId, notification);
      },
      (error: unknown) => {
        if (!current()) return;
        this.log.warn(
          { userId, error: error instanceof Error ? error.message : String(error) },
          "could not read a user's lists; ending their streams",
        );
        this.lose(userId, member);
      },
    );
  }

  /** Forgets `userId` and tells each of their streams to end. */
  private lose(userId: string, member: Member): void {
    this.forget(userId, member);
    for (const listener of member.listeners) listener({ kind: "lost" });
  }

  private forget(userId: string, member: Member): void {
    if (this.members.get(userId) !== member) return;
    this.members.delete(userId);
    this.loading.delete(userId);
    for (const listId of [...member.lists]) this.leave(userId, member, listId);
  }

  private emit(member: Member, event: LiveEvent): void {
    for (const listener of member.listeners) listener(event);
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
   * Calls `listener` for each change to a task of a list `userId` is in, each change of those
   * lists and their membership, and each reminder sent to them; returns the unsubscribe function.
   * Nothing is missed between this call and the first event, even while their lists load.
   */
  subscribe(userId: string, listener: Listener): () => void {
    let member = this.members.get(userId);
    if (!member) {
      member = { listeners: new Set(), lists: new Set(), pending: undefined, loads: 0 };
      this.members.set(userId, member);
      this.load(userId, member);
    }
    const subscribed = member;
    subscribed.listeners.add(listener);
    return () => {
      subscribed.listeners.delete(listener);
      if (subscribed.listeners.size === 0) this.forget(userId, subscribed);
    };
  }

  subscriberCount(userId: string): number {
    return this.members.get(userId)?.listeners.size ?? 0;
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
