// An AI assistant connects to Taskbridge as any MCP client does, with the official MCP
// TypeScript SDK: discovery from the 401, dynamic registration, PKCE, sign-in and consent in the
// browser, token exchange; then its tools change what the REST API and the board show.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  UnauthorizedError,
  type OAuthClientProvider,
} from "@modelcontextprotocol/sdk/client/auth.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from "@modelcontextprotocol/sdk/shared/auth.js";
import type { Page } from "@playwright/test";
import { z } from "zod";
import { TaskSchema } from "@taskbridge/shared/task";
import {
  API_URL,
  WEB_URL,
  apiTasks,
  expect,
  newUser,
  signUpByApi,
  test,
  tokenOf,
} from "./fixtures.ts";

/** The assistant's loopback callback, as desktop MCP clients open one. */
class Callback {
  private server: http.Server | undefined;
  private waiting: ((url: URL) => void) | undefined;
  url = "";

  async start(): Promise<void> {
    this.server = http.createServer((request, response) => {
      const url = new URL(request.url ?? "/", this.url);
      // The browser also asks for /favicon.ico: only the callback itself counts.
      if (url.pathname !== "/callback") {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { "content-type": "text/plain" }).end("You can close this window.");
      this.waiting?.(url);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}/callback`;
  }

  next(): Promise<URL> {
    return new Promise((resolve) => (this.waiting = resolve));
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** What an MCP client keeps between runs, in memory. */
class MemoryProvider implements OAuthClientProvider {
  client: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = "";
  authorizationUrl: URL | undefined;

  constructor(private readonly callbackUrl: string) {}

  get redirectUrl() {
    return this.callbackUrl;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "E2E Assistant",
      redirect_uris: [this.callbackUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.client = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

const mcpUrl = new URL(`${API_URL}/mcp`);
const TaskResult = z.object({ task: TaskSchema });

/** The first connect: 401, discovery, registration, then the browser's turn. */
async function startConnecting(provider: MemoryProvider): Promise<URL> {
  const transport = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
  const client = new Client({ name: "e2e-assistant", version: "1.0.0" });
  await expect(client.connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);
  const url = provider.authorizationUrl;
  if (!url) throw new Error("the client was not sent to authorize");
  expect(url.origin).toBe(WEB_URL);
  expect(url.searchParams.get("code_challenge_method")).toBe("S256");
  expect(url.searchParams.get("resource")).toBe(mcpUrl.toString());
  return url;
}

async function finish(provider: MemoryProvider, code: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
  await transport.finishAuth(code);
  const client = new Client({ name: "e2e-assistant", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }));
  return client;
}

async function signInOnPage(page: Page, email: string, password: string) {
  await expect(page.getByRole("heading", { name: "Sign in to Taskbridge" })).toBeVisible();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

const taskOf = (result: unknown) =>
  TaskResult.parse(z.object({ structuredContent: z.unknown() }).parse(result).structuredContent)
    .task;

test.describe("AI assistants over MCP", () => {
  let callback: Callback;
  test.beforeEach(async () => {
    callback = new Callback();
    await callback.start();
  });
  test.afterEach(() => callback.close());

  test("an assistant connects with OAuth and its tools change what the API and the board show", async ({
    page,
  }) => {
    const user = newUser("mcp");
    // The account exists; this browser is not signed in to it yet.
    await signUpByApi(page, user);
    await page.context().clearCookies();

    // The 401 names the protected-resource metadata; the client finds the web app from it.
    const unauthenticated = await fetch(mcpUrl, { method: "POST" });
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get("www-authenticate")).toBe(
      `Bearer resource_metadata="${API_URL}/.well-known/oauth-protected-resource/mcp"`,
    );

    const provider = new MemoryProvider(callback.url);
    const authorizationUrl = await startConnecting(provider);
    expect(provider.client?.client_id).toBeTruthy();

    // Not signed in yet: sign-in first, then the consent page in our design.
    const redirected = callback.next();
    await page.goto(authorizationUrl.toString());
    await signInOnPage(page, user.email, user.password);
    await expect(
      page.getByRole("heading", { name: "Allow E2E Assistant to use your tasks?" }),
    ).toBeVisible();
    await expect(page.getByText("Add, change, complete and delete your tasks")).toBeVisible();
    await page.getByRole("button", { name: "Allow" }).click();
    const landed = await redirected;
    const code = landed.searchParams.get("code");
    expect(code).toBeTruthy();
    expect(landed.searchParams.get("state")).toBe(authorizationUrl.searchParams.get("state"));

    const client = await finish(provider, code ?? "");
    expect(provider.saved?.refresh_token).toBeTruthy();
    const tools = await client.listTools();
    expect(tools.tools.map((tool) => tool.name).sort()).toEqual([
      "add_task",
      "complete_task",
      "delete_task",
      "list_lists",
      "list_tasks",
      "update_task",
    ]);

    // The board is open while the assistant works: it follows along through the event stream.
    await page.goto("/tasks?view=all");
    await expect(page.getByRole("heading", { name: "All", level: 1 })).toBeVisible();
    const board = page.getByRole("main");

    const added = taskOf(
      await client.callTool({
        name: "add_task",
        arguments: { title: "Water the plants", priority: "high" },
      }),
    );
    await expect(board.getByText("Water the plants")).toBeVisible();
    const token = await tokenOf(page);
    expect((await apiTasks(page, token)).map((task) => task.title)).toEqual(["Water the plants"]);

    const updated = taskOf(
      await client.callTool({
        name: "update_task",
        arguments: { task_id: added.id, title: "Water the ferns" },
      }),
    );
    expect(updated.title).toBe("Water the ferns");
    await expect(board.getByText("Water the ferns")).toBeVisible();

    const completed = taskOf(
      await client.callTool({ name: "complete_task", arguments: { task_id: added.id } }),
    );
    expect(completed.completed).toBe(true);
    await expect
      .poll(async () => (await apiTasks(page, token)).map((task) => task.completed))
      .toEqual([true]);

    const listed = z
      .object({ structuredContent: z.object({ tasks: z.array(TaskSchema) }) })
      .parse(await client.callTool({ name: "list_tasks", arguments: {} }));
    expect(listed.structuredContent.tasks).toEqual(await apiTasks(page, token));

    await client.callTool({ name: "delete_task", arguments: { task_id: added.id } });
    await expect(board.getByText("Water the ferns")).toHaveCount(0);
    expect(await apiTasks(page, token)).toEqual([]);

    // Connected apps: the assistant, what it may do, when it was last used; Revoke ends it.
    await page.goto("/account");
    const apps = page.getByRole("list", { name: "Connected apps" });
    const entry = apps.getByRole("listitem", { name: "E2E Assistant" });
    await expect(entry).toContainText("See your tasks");
    await expect(entry).toContainText("Last used");
    await entry.getByRole("button", { name: "Revoke" }).click();
    await expect(apps).toHaveCount(0);
    await expect(page.getByText("No apps are connected.")).toBeVisible();

    // Its access token is refused from the next call, and its refresh token no longer works.
    const refused = await fetch(mcpUrl, {
      method: "POST",
      headers: {
        authorization: `Bearer ${provider.saved?.access_token ?? ""}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(refused.status).toBe(401);
    const refresh = await fetch(`${WEB_URL}/api/auth/oauth2/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        client_id: provider.client?.client_id ?? "",
        refresh_token: provider.saved?.refresh_token ?? "",
        resource: mcpUrl.toString(),
      }),
    });
    expect(refresh.status).toBe(400);
    await client.close();
  });

  test("Deny sends the assistant back with access_denied and no code", async ({ page }) => {
    await signUpByApi(page);
    const provider = new MemoryProvider(callback.url);
    const authorizationUrl = await startConnecting(provider);
    const redirected = callback.next();
    await page.goto(authorizationUrl.toString());
    await page.getByRole("button", { name: "Deny" }).click();
    const landed = await redirected;
    expect(landed.searchParams.get("error")).toBe("access_denied");
    expect(landed.searchParams.get("code")).toBeNull();
    await page.waitForURL((url) => url.toString().startsWith(callback.url));
    await page.goto("/account");
    await expect(page.getByText("No apps are connected.")).toBeVisible();
  });

  test("an authorization request without S256 PKCE is refused before any consent", async ({
    page,
  }) => {
    await signUpByApi(page);
    const provider = new MemoryProvider(callback.url);
    const authorizationUrl = await startConnecting(provider);
    const plain = new URL(authorizationUrl);
    plain.searchParams.set("code_challenge_method", "plain");
    const missing = new URL(authorizationUrl);
    missing.searchParams.delete("code_challenge");
    missing.searchParams.delete("code_challenge_method");
    for (const url of [plain, missing]) {
      const redirected = callback.next();
      await page.goto(url.toString());
      const landed = await redirected;
      expect(landed.searchParams.get("error")).toBe("invalid_request");
      expect(landed.searchParams.get("code")).toBeNull();
    }
  });

  test("the web app publishes its authorization server metadata at the root", async ({
    request,
  }) => {
    const response = await request.get(`${WEB_URL}/.well-known/oauth-authorization-server`);
    expect(response.status()).toBe(200);
    const metadata = z
      .object({
        issuer: z.string(),
        registration_endpoint: z.string(),
        code_challenge_methods_supported: z.array(z.string()),
      })
      .parse(await response.json());
    expect(metadata.issuer).toBe(WEB_URL);
    expect(metadata.code_challenge_methods_supported).toEqual(["S256"]);
  });
});
