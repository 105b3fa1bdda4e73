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
});
