import {
  ProblemAnswerSchema,
  ReminderEventSchema,
  TaskAnswerSchema,
  TaskEventSchema,
  TaskListAnswerSchema,
  TaskStatsAnswerSchema,
  type TaskAnswer,
  type TaskStatsAnswer,
} from "@taskbridge/shared/task-mini";
import {
  InviteCreatedAnswerSchema,
  InvitePreviewAnswerSchema,
  InvitesAnswerSchema,
  ListAnswerSchema,
  ListsAnswerSchema,
  MembersAnswerSchema,
  type InviteAnswer,
  type InviteCreatedAnswer,
  type InvitePreviewAnswer,
  type ListAnswer,
  type MemberAnswer,
} from "@taskbridge/shared/list-mini";
import type { ListColor } from "@taskbridge/shared/list-rules";
import { EventSourceParserStream, type EventSourceMessage } from "eventsource-parser/stream";
import { SignedOutError, type TokenManager } from "./token-manager.ts";
import type { TaskInput } from "./task-draft.ts";

/** An error answer of the API, with the `detail` it gave. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly fieldErrors: Array<{ field: string; message: string }> = [],
  ) {
    super(detail);
    this.name = "ApiError";
  }
}

export interface TaskPage {
  tasks: TaskAnswer[];
  /** The cursor of the next page, from the `Link` header; null on the last page. */
  nextCursor: string | null;
}

/** A task the API changed, and whether that change made a next occurrence of it. */
export interface TaskChange {
  task: TaskAnswer;
  spawnedNext: boolean;
}

class UnexpectedAnswerError extends Error {
  override name = "UnexpectedAnswerError";
}

function read<T>(schema: { safeParse: (value: unknown) => { success: boolean; data?: T } }) {
  return (value: unknown): T => {
    const result = schema.safeParse(value);
    if (!result.success || result.data === undefined)
      throw new UnexpectedAnswerError("The task service sent an unexpected answer");
    return result.data;
  };
}
const readTask = read<TaskAnswer>(TaskAnswerSchema);
const readTasks = read<TaskAnswer[]>(TaskListAnswerSchema);
const readStats = read<TaskStatsAnswer>(TaskStatsAnswerSchema);
const readList = read<ListAnswer>(ListAnswerSchema);
const readLists = read<ListAnswer[]>(ListsAnswerSchema);
const readMembers = read<MemberAnswer[]>(MembersAnswerSchema);
const readInvites = read<InviteAnswer[]>(InvitesAnswerSchema);
const readInviteCreated = read<InviteCreatedAnswer>(InviteCreatedAnswerSchema);
const readInvitePreview = read<InvitePreviewAnswer>(InvitePreviewAnswerSchema);

export type MemberRole = "editor" | "viewer";

/** A body sent as it is, with its own content type (a file being imported). */
export interface Upload {
  body: Blob | string;
  type: string;
}

export function linkTarget(link: string | null, rel: string): string | null {
  if (!link) return null;
  for (const part of link.split(",")) {
    const match = /<([^>]+)>\s*;\s*rel="([^"]+)"/.exec(part);
    if (match?.[2]?.split(" ").includes(rel)) return match[1] ?? null;
  }
  return null;
}

export function nextCursorFromLink(link: string | null): string | null {
  const url = linkTarget(link, "next");
  if (!url) return null;
  return new URL(url, "http://placeholder.invalid").searchParams.get("cursor");
}

export function listQueryString(params: Record<string, string>, cursor?: string | null): string {
  const query = new URLSearchParams(Object.entries(params).filter(([, value]) => value !== ""));
  if (cursor) query.set("cursor", cursor);
  return query.toString();
}

/** Calls `onEvent` for each server-sent event of `body`, until the stream ends. */
export async function readEventStream(
  body: ReadableStream<BufferSource>,
  onEvent: (event: EventSourceMessage) => void,
): Promise<void> {
  const events = body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream());
  const reader = events.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    onEvent(value);
  }
}

export interface LiveHandlers {
  /** A change to one of the user's tasks, made anywhere (this tab included). */
  onTask: (change: { id: string; op: string }) => void;
  /**
   * The stream (re)connected. `resumed`: it picked up where the last one ended (Last-Event-ID),
   * so what changed meanwhile comes as events; otherwise anything may have changed.
   */
  onReady: (resumed: boolean) => void;
  /** The changes missed while the stream was down are no longer kept: reload everything. */
  onResync: () => void;
  onReminder: (task: TaskAnswer) => void;
  /**
   * A list the user is in changed: they joined or left it (or were removed), someone else did, or
   * it was renamed, archived or deleted. Which tasks they may see may have changed with it.
   */
  onLists: () => void;
}

/** The task API as the browser calls it: a Bearer token, one renewal and retry on a 401. */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly tokens: TokenManager,
    private readonly onSignedOut: () => void = () => undefined,
    // Called through a wrapper: the browser's fetch must not be called as a method of another object.
    private readonly fetch: typeof globalThis.fetch = (input, init) =>
      globalThis.fetch(input, init),
  ) {}

  private async send(
    method: string,
    path: string,
    {
      body,
      upload,
      keepalive = false,
      retried = false,
    }: { body?: unknown; upload?: Upload; keepalive?: boolean; retried?: boolean } = {},
  ): Promise<Response> {
    let token: string;
    try {
      token = retried ? await this.tokens.renew() : await this.tokens.getToken();
    } catch (error) {
      if (error instanceof SignedOutError) this.onSignedOut();
      throw error;
    }
    const sent =
      upload ??
      (body === undefined ? undefined : { body: JSON.stringify(body), type: "application/json" });
    const response = await this.fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(sent === undefined ? {} : { "content-type": sent.type }),
      },
      body: sent?.body,
      cache: "no-store",
      keepalive,
    });
    if (response.status === 401 && !retried)
      return this.send(method, path, { body, upload, keepalive, retried: true });
    if (!response.ok) throw await this.toError(response);
    return response;
  }

  private async toError(response: Response): Promise<ApiError> {
    const problem = ProblemAnswerSchema.safeParse(await response.json().catch(() => null));
    if (problem.success)
      return new ApiError(response.status, problem.data.detail, problem.data.errors);
    return new ApiError(response.status, `The task service answered ${response.status}`);
  }

  private async change(response: Response): Promise<TaskChange> {
    return {
      task: readTask(await response.json()),
      spawnedNext: linkTarget(response.headers.get("link"), "next-occurrence") !== null,
    };
  }

  /**
   * A request whose answer the caller reads itself: a file to download (an export) or one to
   * send as it is (an import), or a call of the account page (which reads its answers itself, so
   * that their schemas stay out of the board's bundle). Refusals throw an `ApiError` as every
   * other call does.
   */
  transfer(
    method: "GET" | "POST" | "PATCH" | "DELETE",
    path: string,
    upload?: Upload,
  ): Promise<Response> {
    return this.send(method, path, { upload });
  }

  async listTasks(params: Record<string, string>, cursor?: string | null): Promise<TaskPage> {
    const response = await this.send("GET", `/api/tasks?${listQueryString(params, cursor)}`);
    return {
      tasks: readTasks(await response.json()),
      nextCursor: nextCursorFromLink(response.headers.get("link")),
    };
  }

  /** The view counts; `list` narrows them to one list. */
  async stats(today: string, list?: string): Promise<TaskStatsAnswer> {
    const query = listQueryString(list ? { today, list } : { today });
    const response = await this.send("GET", `/api/tasks/stats?${query}`);
    return readStats(await response.json());
  }

  // Lists, members and invites.

  /** The caller's lists, the Inbox first; archived ones too, for the board to set apart. */
  async lists(): Promise<ListAnswer[]> {
    return readLists(await (await this.send("GET", "/api/lists?archived=true")).json());
  }

  async createList(input: { name: string; color: ListColor }): Promise<ListAnswer> {
    return readList(await (await this.send("POST", "/api/lists", { body: input })).json());
  }

  async updateList(
    id: string,
    input: { name?: string; color?: ListColor; archived?: boolean },
  ): Promise<ListAnswer> {
    return readList(await (await this.send("PATCH", `/api/lists/${id}`, { body: input })).json());
  }

  async deleteList(id: string): Promise<void> {
    await this.send("DELETE", `/api/lists/${id}`);
  }

  async members(listId: string): Promise<MemberAnswer[]> {
    return readMembers(await (await this.send("GET", `/api/lists/${listId}/members`)).json());
  }

  async setMemberRole(listId: string, userId: string, role: MemberRole): Promise<void> {
    await this.send("PATCH", `/api/lists/${listId}/members/${encodeURIComponent(userId)}`, {
      body: { role },
    });
  }

  /** Removes a member; a member removing themself leaves the list. */
  async removeMember(listId: string, userId: string): Promise<void> {
    await this.send("DELETE", `/api/lists/${listId}/members/${encodeURIComponent(userId)}`);
  }

  async invites(listId: string): Promise<InviteAnswer[]> {
    return readInvites(await (await this.send("GET", `/api/lists/${listId}/invites`)).json());
  }

  async createInvite(listId: string, role: MemberRole): Promise<InviteCreatedAnswer> {
    const response = await this.send("POST", `/api/lists/${listId}/invites`, { body: { role } });
    return readInviteCreated(await response.json());
  }

  async revokeInvite(listId: string, inviteId: string): Promise<void> {
    await this.send("DELETE", `/api/lists/${listId}/invites/${inviteId}`);
  }

  /** What an invite link offers; an `ApiError` 404 when it no longer works. */
  async previewInvite(token: string): Promise<InvitePreviewAnswer> {
    const response = await this.send("GET", `/api/invites/${encodeURIComponent(token)}`);
    return readInvitePreview(await response.json());
  }

  async acceptInvite(token: string): Promise<ListAnswer> {
    const response = await this.send("POST", `/api/invites/${encodeURIComponent(token)}/accept`);
    return readList(await response.json());
  }

  async createTask(input: TaskInput): Promise<TaskAnswer> {
    return readTask(await (await this.send("POST", "/api/tasks", { body: input })).json());
  }

  async updateTask(id: string, input: Partial<TaskInput>): Promise<TaskChange> {
    return this.change(await this.send("PATCH", `/api/tasks/${id}`, { body: input }));
  }

  async setCompleted(id: string, completed: boolean): Promise<TaskChange> {
    return this.change(
      await this.send("PATCH", `/api/tasks/${id}/complete`, { body: { completed } }),
    );
  }

  /** `keepalive` lets a delete that was waiting for its undo time finish as the page closes. */
  async deleteTask(id: string, { keepalive = false } = {}): Promise<void> {
    await this.send("DELETE", `/api/tasks/${id}`, { keepalive });
  }

  /**
   * Follows the live stream of the user's task changes and reminders until the signal aborts;
   * reconnects after a drop. EventSource cannot send a Bearer token, so it is read with fetch.
   */
  async follow(handlers: LiveHandlers, signal: AbortSignal): Promise<void> {
    // The feed position of the last change heard: a reopened stream resumes after it (the API
    // replays what came meanwhile, from whichever copy answers).
    let lastId: string | undefined;
    while (!signal.aborted) {
      // A stream the API ended cleanly (its token expired, its copy stopping) is reopened at
      // once; after an error, a pause spares a struggling server.
      let ended = false;
      try {
        const token = await this.tokens.getToken();
        const resumed = lastId !== undefined;
        const response = await this.fetch(`${this.baseUrl}/api/events`, {
          headers: {
            authorization: `Bearer ${token}`,
            ...(lastId === undefined ? {} : { "last-event-id": lastId }),
          },
          signal,
        });
        if (response.status === 401) await this.tokens.renew();
        // A position the API does not take: start afresh.
        if (response.status === 400) lastId = undefined;
        if (response.ok && response.body) {
          await readEventStream(response.body, (event) => {
            if (event.id) lastId = event.id;
            dispatchLiveEvent(event, handlers, resumed);
          });
          ended = true;
        }
      } catch {
        if (signal.aborted) return;
      }
      if (!ended) await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }
}

/**
 * Hands one message of the live stream to its handler; unknown or malformed ones are skipped.
 * `resumed`: the stream was opened with Last-Event-ID.
 */
export function dispatchLiveEvent(
  event: EventSourceMessage,
  handlers: LiveHandlers,
  resumed = false,
) {
  let json: unknown = null;
  try {
    json = JSON.parse(event.data || "null");
  } catch {
    return;
  }
  if (event.event === "ready") handlers.onReady(resumed);
  else if (event.event === "resync") handlers.onResync();
  else if (event.event === "task") {
    const change = TaskEventSchema.safeParse(json);
    if (change.success) handlers.onTask({ id: change.data.id, op: change.data.op ?? "update" });
  } else if (event.event === "reminder") {
    const reminder = ReminderEventSchema.safeParse(json);
    if (reminder.success) handlers.onReminder(reminder.data.task);
  } else if (event.event === "lists") {
    handlers.onLists();
  }
}
