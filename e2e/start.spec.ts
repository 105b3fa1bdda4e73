// `npm start` as a person at a terminal runs it: a stack of its own (embedded PostgreSQL, API,
// web app) on free ports, used once, then stopped with Ctrl-C. A terminal sends Ctrl-C's SIGINT
// to every process of its foreground job, so the test sends it to the whole process group.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { once } from "node:events";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { tokenFromBody } from "@taskbridge/auth/token-body";
import { freePort } from "../tests/database.ts";
import { expect, newUser, test } from "./fixtures.ts";

const projectRoot = path.resolve(import.meta.dirname, "..");

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

test.describe("npm start", () => {
  test.describe.configure({ timeout: 180_000 });
  let dir: string;

  test.beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "taskbridge-e2e-start-"));
  });
  test.afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("stops quietly on Ctrl-C, the database last, and leaves nothing running", async () => {
    const [webPort, apiPort, pgPort] = [await freePort(), await freePort(), await freePort()];
    // The ports alone: the URLs (issuer, audience, where the API finds the keys) follow them.
    const web = `http://localhost:${webPort}`;
    const api = `http://localhost:${apiPort}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TASKBRIDGE_DATA_DIR: path.join(dir, "data"),
      WEB_PORT: String(webPort),
      API_PORT: String(apiPort),
      EMBEDDED_PG_PORT: String(pgPort),
    };
    // Whatever the runner itself was started with must not change what npm start does.
    for (const name of [
      "DATABASE_URL",
      "LOG_LEVEL",
      "NODE_ENV",
      "JWT_LIFETIME_SECONDS",
      "BETTER_AUTH_URL",
      "NEXT_PUBLIC_API_URL",
      "JWT_AUDIENCE",
    ]) {
      delete env[name];
    }
    // Its own process group, as a terminal's job is.
    const stack = spawn("npm", ["start", "--silent"], {
      cwd: projectRoot,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const lines: string[] = [];
    let ready: () => void;
    const isReady = new Promise<void>((resolve) => (ready = resolve));
    for (const stream of [stack.stdout, stack.stderr]) {
      readline.createInterface({ input: stream }).on("line", (line) => {
        lines.push(line);
        if (line.includes("[taskbridge] ready")) ready();
      });
    }
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      stack.once("exit", (code, signal) => resolve({ code, signal })),
    );
    // Every line read: the output's last holder has gone.
    const closed = new Promise((resolve) => stack.once("close", resolve));
    const unused: net.Socket[] = [];
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-(stack.pid ?? 0), signal);
      } catch {
        // already gone
      }
    };
    try {
      await Promise.race([
        isReady,
        exited.then(() => {
          throw new Error(`npm start ended before it was ready:\n${lines.join("\n")}`);
        }),
      ]);

      // Use it, so both apps hold open database connections when the signal comes.
      const user = newUser("start");
      const headers = { origin: web, "content-type": "application/json" };
      const signUp = await fetch(`${web}/api/auth/sign-up/email`, {
        method: "POST",
        headers,
        body: JSON.stringify(user),
      });
      expect(signUp.status).toBe(200);
      const signIn = await fetch(`${web}/api/auth/sign-in/email`, {
        method: "POST",
        headers,
        body: JSON.stringify({ email: user.email, password: user.password }),
      });
      expect(signIn.status).toBe(200);
      const cookie = signIn.headers
        .getSetCookie()
        .map((value) => value.split(";")[0])
        .join("; ");
      const token = tokenFromBody(
        await (await fetch(`${web}/api/auth/token`, { headers: { origin: web, cookie } })).json(),
      );
      const list = await fetch(`${api}/api/tasks`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(list.status).toBe(200);

      // What the API says shows while it runs, not only once it stops.
      await expect
        .poll(() => lines.some((line) => line.startsWith("[api]") && line.includes("listening")), {
          timeout: 5_000,
        })
        .toBe(true);

      // A start that works says nothing alarming.
      const warning = /warn|error|fatal|could not|"level":[4-6]0/i;
      expect(lines.filter((line) => warning.test(line))).toEqual([]);

      // Connections a browser opened ahead of need and has sent nothing on: they must not keep
      // either app from stopping.
      for (const port of [webPort, apiPort]) unused.push(net.connect(port, "127.0.0.1"));
      await Promise.all(unused.map((socket) => once(socket, "connect")));

      const before = lines.length;
      killGroup("SIGINT");
      const { code, signal } = await exited;
      // npm ends as after any Ctrl-C (its shell re-raises the signal once the script is done),
      // and only once everything has stopped: nothing listens any more.
      expect(code ?? signal).toBe(code === null ? "SIGINT" : 0);
      for (const port of [webPort, apiPort, pgPort]) {
        expect(await listening(port), `something still listens on ${port}`).toBe(false);
      }
      await closed;
      const after = lines.slice(before);
      expect(
        after.filter((line) => /warn|error|fatal|second|timeout|unexpected/i.test(line)),
      ).toEqual([]);
    } finally {
      killGroup("SIGKILL");
      for (const socket of unused) socket.destroy();
    }
  });
});
