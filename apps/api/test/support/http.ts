// Calls to a listening API over real HTTP, answers parsed with the shared zod schemas.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { ProblemSchema, type Problem } from "@taskbridge/shared/problem";
import { TaskSchema, type TaskCreate, type TaskUpdate } from "@taskbridge/shared/task";
import type { Task } from "@taskbridge/shared/task-rules";

/** Starts `app` on a free port of 127.0.0.1 and returns its origin. */
export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("no address");
  return `http://127.0.0.1:${address.port}`;
}

export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** One user's view of the API at `origin`. */
export class ApiClient {
  constructor(
    readonly origin: string,
    private readonly token: () => Promise<string> | string,
  ) {}

  async request(method: string, path: string, body?: unknown): Promise<Answer> {
    const headers: Record<string, string> = { authorization: `Bearer ${await this.token()}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(`${this.origin}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text === "" ? null : JSON.parse(text),
    };
  }

  /** A request that must succeed with `status`; its body parsed with `schema`. */
  async expect<T>(
    status: number,
    schema: z.ZodType<T>,
    method: string,
    path: string,
    body?: unknown,
  ) {
    const answer = await this.request(method, path, body);
    if (answer.status !== status)
      throw new Error(`${method} ${path}: ${answer.status}, ${JSON.stringify(answer.body)}`);
    return { ...answer, data: schema.parse(answer.body) };
  }

  async problem(status: number, method: string, path: string, body?: unknown): Promise<Problem> {
    const answer = await this.request(method, path, body);
    if (answer.status !== status)
      throw new Error(`${method} ${path}: ${answer.status}, ${JSON.stringify(answer.body)}`);
    expectProblemType(answer);
    return ProblemSchema.parse(answer.body);
  }

  async create(input: TaskCreate): Promise<Task> {
    return (await this.expect(201, TaskSchema, "POST", "/api/tasks", input)).data;
  }

  async update(id: string, input: TaskUpdate): Promise<Task> {
    return (await this.expect(200, TaskSchema, "PATCH", `/api/tasks/${id}`, input)).data;
  }

  async get(id: string): Promise<Task> {
    return (await this.expect(200, TaskSchema, "GET", `/api/tasks/${id}`)).data;
  }

  async list(query: string): Promise<Task[]> {
    return (await this.expect(200, z.array(TaskSchema), "GET", `/api/tasks?${query}`)).data;
  }

  /** Every page of a list, following `Link: rel="next"`. */
  async walk(query: string, maxPages = 200): Promise<Task[]> {
    const seen: Task[] = [];
    let path: string | undefined = `/api/tasks?${query}`;
    for (let page = 0; path && page < maxPages; page++) {
      const answer: Answer & { data: Task[] } = await this.expect(
        200,
        z.array(TaskSchema),
        "GET",
        path,
      );
      seen.push(...answer.data);
      const next = /<([^>]+)>; rel="next"/.exec(answer.headers.get("link") ?? "")?.[1];
      const url = next === undefined ? undefined : new URL(next, this.origin);
      path = url ? url.pathname + url.search : undefined;
    }
    return seen;
  }
}

function expectProblemType(answer: Answer): void {
  const type = answer.headers.get("content-type") ?? "";
  if (!type.startsWith("application/problem+json"))
    throw new Error(`a problem must be application/problem+json, got ${type}`);
}
