import type { TaskCreate, TaskListQuery, TaskUpdate } from "@taskbridge/shared/task";
import { isProblem, isTask, type Task } from "@taskbridge/shared/task-rules";
import { EventSourceParserStream, type EventSourceMessage } from "eventsource-parser/stream";
import { SignedOutError, type TokenManager } from "./token-manager.ts";

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
  tasks: Task[];
  /** The cursor of the next page, from the `Link` header; null on the last page. */
  nextCursor: string | null;
}

class UnexpectedAnswerError extends Error {
  override name = "UnexpectedAnswerError";
}

function asTask(value: unknown): Task {
  if (!isTask(value)) throw new UnexpectedAnswerError("The task service sent an unexpected answer");
  return value;
}

function asTasks(value: unknown): Task[] {
  if (!Array.isArray(value))
    throw new UnexpectedAnswerError("The task service sent an unexpected answer");
  return value.map(asTask);
}

export function nextCursorFromLink(link: string | null): string | null {
  const url = link ? /<([^>]+)>;\s*rel="next"/.exec(link)?.[1] : undefined;
  if (!url) return null;
  return new URL(url, "http://placeholder.invalid").searchParams.get("cursor");
}

export function listQueryString(query: TaskListQuery, cursor?: string | null): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (typeof value === "string" ? value !== "" : typeof value === "number")
      params.set(name, String(value));
  }
  if (cursor) params.set("cursor", cursor);
  return params.toString();
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
    body?: unknown,
    retried = false,
  ): Promise<Response> {
    let token: string;
    try {
      token = retried ? await this.tokens.renew() : await this.tokens.getToken();
    } catch (error) {
      if (error instanceof SignedOutError) this.onSignedOut();
      throw error;
    }
    const response = await this.fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
    if (response.status === 401 && !retried) return this.send(method, path, body, true);
    if (!response.ok) throw await this.toError(response);
    return response;
  }

  private async toError(response: Response): Promise<ApiError> {
    const body: unknown = await response.json().catch(() => null);
    if (isProblem(body)) return new ApiError(response.status, body.detail, body.errors);
    return new ApiError(response.status, `The task service answered ${response.status}`);
  }

  async listTasks(query: TaskListQuery, cursor?: string | null): Promise<TaskPage> {
    const response = await this.send("GET", `/api/tasks?${listQueryString(query, cursor)}`);
    return {
      tasks: asTasks(await response.json()),
      nextCursor: nextCursorFromLink(response.headers.get("link")),
    };
  }

  async createTask(input: TaskCreate): Promise<Task> {
    return asTask(await (await this.send("POST", "/api/tasks", input)).json());
  }

  async updateTask(id: string, input: TaskUpdate): Promise<Task> {
    return asTask(await (await this.send("PATCH", `/api/tasks/${id}`, input)).json());
  }

  async setCompleted(id: string, completed: boolean): Promise<Task> {
    return asTask(
      await (await this.send("PATCH", `/api/tasks/${id}/complete`, { completed })).json(),
    );
  }

  async deleteTask(id: string): Promise<void> {
    await this.send("DELETE", `/api/tasks/${id}`);
  }

  /**
   * Follows the live stream of the user's task changes, calling `onChange` for each, until the
   * signal aborts; reconnects after a drop. EventSource cannot send a Bearer token, so it is read
   * with fetch.
   */
  async follow(onChange: () => void, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const token = await this.tokens.getToken();
        const response = await this.fetch(`${this.baseUrl}/api/events`, {
          headers: { authorization: `Bearer ${token}` },
          signal,
        });
        if (response.status === 401) await this.tokens.renew();
        if (response.ok && response.body) {
          await readEventStream(response.body, (event) => {
            if (event.event === "task" || event.event === "ready") onChange();
          });
        }
      } catch {
        if (signal.aborted) return;
      }
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }
}
