// The MCP endpoint over a real socket, driven by the official MCP TypeScript SDK client.
import { randomBytes } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { oauthClient, oauthConsent, task } from "@taskbridge/db/schema";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { TaskSchema } from "@taskbridge/shared/task";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { signHs256, TEST_AUDIENCE, type TestIssuer } from "./support/issuer.ts";
import { forgeries } from "./support/forgery.ts";
import { connectedUser as connectedUserOf, connectMcp } from "./support/mcp.ts";

const database = await useTestDatabase();
const MCP_RESOURCE = `${TEST_AUDIENCE}/mcp`;
/** The API's public URL, whose `/mcp` is the resource assistants' tokens are for. */
const API_ENV = { NEXT_PUBLIC_API_URL: TEST_AUDIENCE };

let t: TestApp & { issuer: TestIssuer | undefined };
let issuer: TestIssuer;
let origin: string;
const logLines: string[] = [];

beforeAll(async () => {
  t = await buildTestApp({
    databaseUrl: database.url,
    env: API_ENV,
    logStream: { write: (line) => logLines.push(line) },
  });
  if (!t.issuer) throw new Error("no issuer");
  issuer = t.issuer;
  origin = await t.app.listen({ port: 0, host: "127.0.0.1" });
});
afterAll(() => t.close());

/** A user who connected an assistant (a registered client and a consent row, as the web app makes). */
function connectedUser(
  scope = "tasks:read tasks:write offline_access",
  target: { app: TestApp; issuer: TestIssuer } = { app: t, issuer },
) {
  return connectedUserOf(target.app, target.issuer, scope);
}

const connect = (token: string) => connectMcp(origin, token);

const TaskResult = z.object({ task: TaskSchema });
const ListResult = z.object({ tasks: z.array(TaskSchema) });

async function call(client: Client, name: string, args: Record<string, unknown>) {
  return z
    .object({
      content: z.array(z.object({ type: z.string(), text: z.string().optional() })),
      structuredContent: z.record(z.string(), z.unknown()).optional(),
      isError: z.boolean().optional(),
    })
    .parse((await client.callTool({ name, arguments: args })) satisfies CallToolResult | object);
}

const restGet = async (userId: string, path: string) =>
  fetch(`${origin}${path}`, {
    headers: { authorization: `Bearer ${await issuer.sign(userId)}` },
  });

describe("/mcp", () => {
  it("answers 401 without a token, pointing at its RFC 9728 metadata", async () => {
    const response = await fetch(`${origin}/mcp`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(response.status).toBe(401);
    const metadataUrl = `${TEST_AUDIENCE}/.well-known/oauth-protected-resource/mcp`;
    expect(response.headers.get("www-authenticate")).toBe(
      `Bearer resource_metadata="${metadataUrl}"`,
    );
    for (const path of ["/mcp", ""]) {
      const metadata = await fetch(`${origin}/.well-known/oauth-protected-resource${path}`);
      expect(await metadata.json()).toEqual({
        resource: MCP_RESOURCE,
        authorization_servers: [issuer.origin],
        scopes_supported: ["tasks:read", "tasks:write", "offline_access"],
        bearer_methods_supported: ["header"],
        resource_name: "Taskbridge tasks",
      });
    }
  });

  it("runs all six tools for the token's user, and the REST API shows what they did", async () => {
    const { userId, token } = await connectedUser();
    const client = await connect(token);
    const tools = await client.listTools();
    expect(tools.tools.map((tool) => tool.name).sort()).toEqual([
      "add_task",
      "complete_task",
      "delete_task",
      "list_lists",
      "list_tasks",
      "update_task",
    ]);

    // The tools advertise the task's date, time, recurrence and reminder, and the list's views.
    const properties = (name: string) =>
      Object.keys(tools.tools.find((tool) => tool.name === name)?.inputSchema.properties ?? {});
    for (const name of ["add_task", "update_task"])
      expect(properties(name)).toEqual(
        expect.arrayContaining(["due_date", "due_time", "recurrence", "remind_at"]),
      );
    expect(properties("list_tasks")).toEqual(
      expect.arrayContaining(["status", "q", "view", "today", "due_from", "due_to", "due"]),
    );

    const added = await call(client, "add_task", { title: "Buy milk", priority: "high" });
    expect(added.isError).toBeFalsy();
    expect(added.content[0]?.text).toBe('Added "Buy milk".');
    const created = TaskResult.parse(added.structuredContent).task;
    expect(created).toMatchObject({ title: "Buy milk", priority: "high", user_id: userId });

    const rest = await restGet(userId, `/api/tasks/${created.id}`);
    expect(rest.status).toBe(200);
    expect(await rest.json()).toEqual(created);

    const updated = await call(client, "update_task", {
      task_id: created.id,
      title: "Buy oat milk",
      tags: ["home"],
    });
    expect(TaskResult.parse(updated.structuredContent).task).toMatchObject({
      title: "Buy oat milk",
      tags: ["home"],
    });

    const completed = await call(client, "complete_task", { task_id: created.id, completed: true });
    expect(TaskResult.parse(completed.structuredContent).task.completed).toBe(true);

    const listed = await call(client, "list_tasks", { status: "completed" });
    expect(ListResult.parse(listed.structuredContent).tasks.map((x) => x.id)).toEqual([created.id]);
    const restList = await restGet(userId, "/api/tasks?status=completed");
    expect(await restList.json()).toEqual(ListResult.parse(listed.structuredContent).tasks);

    const deleted = await call(client, "delete_task", { task_id: created.id });
    expect(deleted.isError).toBeFalsy();
    expect((await restGet(userId, `/api/tasks/${created.id}`)).status).toBe(404);
    await client.close();
  });

  it("completes a recurring task into its next occurrence, as REST does, once", async () => {
    const { userId, token } = await connectedUser();
    const client = await connect(token);
    const added = await call(client, "add_task", {
      title: "Water the plants",
      due_date: "2099-03-10",
      due_time: "07:30",
      recurrence: "FREQ=WEEKLY",
      remind_at: "2099-03-10T07:00:00+01:00",
    });
    expect(added.content[0]?.text).toBe('Added "Water the plants" (due 2099-03-10 07:30).');
    const first = TaskResult.parse(added.structuredContent).task;
    expect(first).toMatchObject({
      due_date: "2099-03-10",
      due_time: "07:30",
      recurrence: "FREQ=WEEKLY",
      remind_at: "2099-03-10T06:00:00.000Z",
    });
    expect(await (await restGet(userId, `/api/tasks/${first.id}`)).json()).toEqual(first);

    const CompletedResult = z.object({ task: TaskSchema, next_occurrence: TaskSchema });
    const completed = await call(client, "complete_task", { task_id: first.id });
    const { task: done, next_occurrence: next } = CompletedResult.parse(
      completed.structuredContent,
    );
    expect(done.completed).toBe(true);
    expect(next).toMatchObject({
      title: "Water the plants",
      due_date: "2099-03-17",
      due_time: "07:30",
      recurrence: "FREQ=WEEKLY",
      completed: false,
      previous_id: first.id,
    });
    expect(completed.content[0]?.text).toBe(
      `"Water the plants" is completed. Next occurrence (due 2099-03-17 07:30): ${next.id}.`,
    );
    expect(await (await restGet(userId, `/api/tasks/${next.id}`)).json()).toEqual(next);

    // Pending again and completed again: the series keeps its one next occurrence, as REST links it.
    await call(client, "complete_task", { task_id: first.id, completed: false });
    const again = await call(client, "complete_task", { task_id: first.id, completed: true });
    expect(CompletedResult.parse(again.structuredContent).next_occurrence.id).toBe(next.id);
    expect(await t.db.select().from(task).where(eq(task.userId, userId))).toHaveLength(2);

    // The same views and filters as the REST list, with the caller's own date.
    const queries: Array<Record<string, string>> = [
      { view: "today", today: "2099-03-17" },
      { view: "upcoming", today: "2099-03-01" },
      { status: "completed", due: "any" },
      { due_from: "2099-03-11", due_to: "2099-03-31" },
    ];
    for (const query of queries) {
      const listed = ListResult.parse((await call(client, "list_tasks", query)).structuredContent);
      const rest = await restGet(userId, `/api/tasks?${new URLSearchParams(query).toString()}`);
      expect(listed.tasks, JSON.stringify(query)).toEqual(await rest.json());
    }
    const today = ListResult.parse(
      (await call(client, "list_tasks", { view: "today", today: "2099-03-17" })).structuredContent,
    );
    expect(today.tasks.map((x) => x.id)).toEqual([next.id]);
    await client.close();
  });

  it("refuses what the REST rules refuse between fields, naming the field", async () => {
    const { userId, token } = await connectedUser();
    const client = await connect(token);
    const undated = await call(client, "add_task", { title: "Gym", recurrence: "FREQ=DAILY" });
    expect(undated.isError).toBe(true);
    expect(undated.content[0]?.text).toBe(
      "Validation failed: recurrence: A recurring task needs a due_date",
    );
    const created = TaskResult.parse(
      (await call(client, "add_task", { title: "Gym", due_date: "2099-01-05" })).structuredContent,
    ).task;
    const cleared = await call(client, "update_task", {
      task_id: created.id,
      due_date: null,
      due_time: "08:00",
    });
    expect(cleared.isError).toBe(true);
    expect(cleared.content[0]?.text).toContain("due_time: A due_time needs a due_date");
    for (const args of [
      { title: "Bad date", due_date: "2099-02-30" },
      { title: "Bad rule", due_date: "2099-01-05", recurrence: "FREQ=HOURLY" },
    ]) {
      expect((await call(client, "add_task", args)).isError, args.title).toBe(true);
    }
    const badView = await call(client, "list_tasks", { view: "someday" });
    expect(badView.isError).toBe(true);
    const rows = await t.db.select().from(task).where(eq(task.userId, userId));
    expect(rows.map((row) => [row.title, row.dueDate, row.dueTime])).toEqual([
      ["Gym", "2099-01-05", null],
    ]);
    await client.close();
  });

  it("answers another user's task id with Task not found and changes nothing", async () => {
    const owner = await connectedUser();
    const ownerClient = await connect(owner.token);
    const own = TaskResult.parse(
      (await call(ownerClient, "add_task", { title: "Private" })).structuredContent,
    ).task;
    const other = await connect((await connectedUser()).token);
    for (const [tool, args] of [
      ["complete_task", { task_id: own.id }],
      ["update_task", { task_id: own.id, title: "Mine now" }],
      ["delete_task", { task_id: own.id }],
    ] as const) {
      const answer = await call(other, tool, args);
      expect(answer.isError, tool).toBe(true);
      expect(answer.content[0]?.text).toBe("Task not found");
    }
    const [grant] = await t.db
      .select()
      .from(oauthConsent)
      .where(eq(oauthConsent.userId, owner.userId));
    expect(grant?.lastUsedAt).toBeInstanceOf(Date);
    const listed = await call(other, "list_tasks", {});
    expect(ListResult.parse(listed.structuredContent).tasks).toEqual([]);
    const [row] = await t.db.select().from(task).where(eq(task.id, own.id));
    expect(row).toMatchObject({ title: "Private", completed: false });
  });

  it("lets a tasks:read token list but not add", async () => {
    const { userId, token } = await connectedUser("tasks:read");
    const client = await connect(token);
    expect((await call(client, "list_tasks", {})).isError).toBeFalsy();
    const answer = await call(client, "add_task", { title: "Sneaky" });
    expect(answer.isError).toBe(true);
    expect(answer.content[0]?.text).toContain("tasks:write");
    expect(await t.db.select().from(task).where(eq(task.userId, userId))).toEqual([]);
  });

  it("refuses input that breaks the shared task rules, and creates nothing", async () => {
    const { userId, token } = await connectedUser();
    const client = await connect(token);
    const answer = await call(client, "add_task", { title: "   " });
    expect(answer.isError).toBe(true);
    const badId = await call(client, "delete_task", { task_id: "not-a-uuid" });
    expect(badId.isError).toBe(true);
    expect(await t.db.select().from(task).where(eq(task.userId, userId))).toEqual([]);
  });

  it("logs each tool call with user, tool and outcome, never the task content", async () => {
    const { userId, token } = await connectedUser();
    const client = await connect(token);
    await call(client, "add_task", { title: "Secret plan", description: "hidden words" });
    await call(client, "delete_task", { task_id: "00000000-0000-4000-8000-000000000000" });
    const toolLines = logLines
      .map((line) => z.record(z.string(), z.unknown()).parse(JSON.parse(line)))
      .filter((line) => line.msg === "tool call" && line.userId === userId);
    expect(toolLines.map(({ tool, outcome }) => ({ tool, outcome }))).toEqual([
      { tool: "add_task", outcome: "ok" },
      { tool: "delete_task", outcome: "not_found" },
    ]);
    const everything = logLines.join("\n");
    expect(everything).not.toContain("Secret plan");
    expect(everything).not.toContain("hidden words");
    expect(everything).not.toContain(token);
  });

  it("refuses a revoked app at once, before its token expires", async () => {
    const { userId, clientId, token } = await connectedUser();
    const client = await connect(token);
    await t.db
      .delete(oauthConsent)
      .where(and(eq(oauthConsent.userId, userId), eq(oauthConsent.clientId, clientId)));
    await expect(call(client, "list_tasks", {})).rejects.toThrow();
    const response = await fetch(`${origin}/mcp`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(response.status).toBe(401);
  });
});

describe("audience separation", () => {
  const mcpPost = (token: string) =>
    fetch(`${origin}/mcp`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });

  it("refuses a token for /api/* at /mcp", async () => {
    const userId = await t.createUser();
    const response = await mcpPost(await issuer.sign(userId));
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  it("refuses a token for /mcp at /api/*", async () => {
    const { userId, token } = await connectedUser();
    const response = await fetch(`${origin}/api/tasks`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(401);
    expect((await restGet(userId, "/api/tasks")).status).toBe(200);
  });

  it("refuses forged tokens at /mcp", async () => {
    const { userId, clientId } = await connectedUser();
    const claims = issuer.claimsFor(userId, {
      aud: MCP_RESOURCE,
      scope: "tasks:write",
      azp: clientId,
    });
    const attacks = [
      ...forgeries(issuer, claims),
      [
        "wrong aud",
        () =>
          issuer.sign(userId, {
            claims: { aud: `${TEST_AUDIENCE}/other`, scope: "tasks:write", azp: clientId },
          }),
      ] as const,
      [
        "another client's id",
        () =>
          issuer.sign(userId, {
            claims: { aud: MCP_RESOURCE, scope: "tasks:write", azp: "someone-elses-client" },
          }),
      ] as const,
    ];
    for (const [name, make] of attacks) {
      const response = await mcpPost(await make());
      expect(response.status, name).toBe(401);
    }
    // The same claims, really signed, pass: the refusals are the forgeries'.
    expect((await mcpPost(await issuer.sign(userId, { claims }))).status).toBe(200);
  });
});

describe("HS256 mode", () => {
  it("accepts assistants' tokens signed with the shared secret, for the /mcp audience only", async () => {
    const hs = await buildTestApp({ databaseUrl: database.url, mode: "hs256", env: API_ENV });
    try {
      const hsOrigin = await hs.app.listen({ port: 0, host: "127.0.0.1" });
      const userId = await hs.createUser();
      const clientId = `client-${randomBytes(6).toString("hex")}`;
      await hs.db.insert(oauthClient).values({
        id: randomBytes(8).toString("hex"),
        clientId,
        redirectUris: ["http://127.0.0.1:9/callback"],
      });
      await hs.db.insert(oauthConsent).values({
        id: randomBytes(8).toString("hex"),
        clientId,
        userId,
        scopes: ["tasks:read"],
      });
      const post = (token: string) =>
        fetch(`${hsOrigin}/mcp`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${token}`,
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
          },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
        });
      const claims = { aud: MCP_RESOURCE, scope: "tasks:read", azp: clientId };
      expect(
        (await post(await signHs256(userId, { issuer: hs.config.issuer, claims }))).status,
      ).toBe(200);
      expect((await post(await signHs256(userId, { issuer: hs.config.issuer }))).status).toBe(401);
    } finally {
      await hs.close();
    }
  });
});

describe("rate limit", () => {
  it("answers 429 with Retry-After past the per-user limit at /mcp, without touching others", async () => {
    const limited = await buildTestApp({
      databaseUrl: database.url,
      env: { ...API_ENV, RATE_LIMIT_PER_MINUTE: "3" },
    });
    try {
      const limitedOrigin = await limited.app.listen({ port: 0, host: "127.0.0.1" });
      if (!limited.issuer) throw new Error("no issuer");
      const target = { app: limited, issuer: limited.issuer };
      const first = await connectedUser(undefined, target);
      const second = await connectedUser(undefined, target);
      const post = (token: string) =>
        fetch(`${limitedOrigin}/mcp`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${token}`,
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
          },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
        });
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await post(first.token)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const refused = await post(first.token);
      expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
      expect((await post(second.token)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
