// A smoke run of `npm start` under whichever Node.js runs this script: the whole stack on free
// ports with a database of its own, both apps ready, one user signed up through the web app and
// one task made and read back over HTTP with that user's token, then Ctrl-C (SIGINT to the
// group, as a terminal sends it) and a clean exit. CI runs it on a second Node.js version.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { tokenFromBody } from "@taskbridge/auth/token-body";
import { freePort } from "../tests/database.ts";

const projectRoot = path.resolve(import.meta.dirname, "..");
const READY_MS = 240_000;
const STOP_MS = 30_000;

function fail(message: string): never {
  throw new Error(message);
}

async function expectStatus(response: Response, status: number, what: string) {
  if (response.status !== status)
    fail(`${what}: ${response.status} (expected ${status}): ${await response.text()}`);
}

async function main() {
  const dir = await mkdtemp(path.join(os.tmpdir(), "taskbridge-smoke-"));
  const [webPort, apiPort, pgPort] = [await freePort(), await freePort(), await freePort()];
  const web = `http://localhost:${webPort}`;
  const api = `http://localhost:${apiPort}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TASKBRIDGE_DATA_DIR: path.join(dir, "data"),
    WEB_PORT: String(webPort),
    API_PORT: String(apiPort),
    EMBEDDED_PG_PORT: String(pgPort),
    LOG_LEVEL: "warn",
  };
  for (const name of ["DATABASE_URL", "NODE_ENV", "BETTER_AUTH_URL", "NEXT_PUBLIC_API_URL"])
    delete env[name];

  console.log(`smoke: Node.js ${process.version}, npm start on ${web} and ${api}`);
  const stack = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: projectRoot,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const exited = once(stack, "exit") as Promise<[number | null, string | null]>;
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("not ready in time")), READY_MS);
    for (const stream of [stack.stdout, stack.stderr]) {
      readline.createInterface({ input: stream }).on("line", (line) => {
        lines.push(line);
        if (line.includes("[taskbridge] ready")) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
    void exited.then(() => reject(new Error("the stack exited before it was ready")));
  });

  try {
    await ready;
    const headers = { origin: web, "content-type": "application/json" };
    const user = {
      name: "Smoke Test",
      email: `smoke-${Date.now()}@example.test`,
      password: "correct horse battery staple",
    };
    await expectStatus(
      await fetch(`${web}/api/auth/sign-up/email`, {
        method: "POST",
        headers,
        body: JSON.stringify(user),
      }),
      200,
      "sign-up",
    );
    const signIn = await fetch(`${web}/api/auth/sign-in/email`, {
      method: "POST",
      headers,
      body: JSON.stringify({ email: user.email, password: user.password }),
    });
    await expectStatus(signIn, 200, "sign-in");
    const cookie = signIn.headers
      .getSetCookie()
      .map((value) => value.split(";")[0])
      .join("; ");
    const tokenAnswer = await fetch(`${web}/api/auth/token`, { headers: { cookie } });
    await expectStatus(tokenAnswer, 200, "token");
    const token = tokenFromBody(await tokenAnswer.json()) ?? fail("no token in the answer");
    const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };

    const created = await fetch(`${api}/api/tasks`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ title: "Smoke test task" }),
    });
    await expectStatus(created, 201, "create a task");
    const { id } = (await created.json()) as { id: string };
    const read = await fetch(`${api}/api/tasks/${id}`, { headers: auth });
    await expectStatus(read, 200, "read it back");
    const task = (await read.json()) as { title: string };
    if (task.title !== "Smoke test task") fail(`read back ${JSON.stringify(task)}`);
    console.log("smoke: both apps ready; a user signed up, a task made and read back");
  } catch (error) {
    console.error(lines.join("\n"));
    throw error;
  } finally {
    if (stack.exitCode === null && stack.pid) process.kill(-stack.pid, "SIGINT");
    const timer = setTimeout(() => stack.pid && process.kill(-stack.pid, "SIGKILL"), STOP_MS);
    const [code, signal] = await exited;
    clearTimeout(timer);
    await rm(dir, { recursive: true, force: true });
    if (code !== 0) fail(`the stack exited with ${code ?? signal} on Ctrl-C`);
    console.log("smoke: stopped cleanly on Ctrl-C");
  }
}

main().catch((error: unknown) => {
  console.error(`smoke: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
