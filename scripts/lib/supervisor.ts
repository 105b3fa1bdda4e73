// The supervisor behind `npm start` (see scripts/start.ts, which runs this in a process group of
// its own): starts the embedded PostgreSQL unless DATABASE_URL is set, applies migrations, builds
// the web app when its sources changed, starts the task API and the web app, prints both URLs,
// and when asked to stop (by the launcher, or SIGTERM) stops all of it, the database last.
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import readline from "node:readline";
import closeWithGrace from "close-with-grace";
import {
  EmbeddedPostgresError,
  startEmbeddedPostgres,
  type RunningPostgres,
} from "@taskbridge/db/embedded";
import { migrateDatabase } from "@taskbridge/db/migrate";
import {
  dataDir,
  localSecrets,
  projectRoot,
  readStackEnv,
  resolveAuthSecret,
  StartError,
} from "./stack-env.ts";
import { webBuildIsCurrent, webDir } from "./web-build.ts";

const dev = process.argv.includes("--dev");
const apiEntry = path.join(projectRoot, "apps/api/src/server.ts");
const nextBin = createRequire(path.join(webDir, "package.json")).resolve("next/dist/bin/next");
// Next.js behind a server that sets the client address from the socket (see the file).
const webServerEntry = path.join(webDir, "server.ts");

/** Running children, by the name they are reported under. */
const children = new Map<ChildProcess, string>();
let database: RunningPostgres | undefined;
let stopping = false;

function say(message: string) {
  console.log(`[taskbridge] ${message}`);
}

function run(
  name: string,
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): ChildProcess {
  const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  children.set(child, name);
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    readline
      .createInterface({ input: stream })
      .on("line", (line) => console.log(`[${name}] ${line}`));
  }
  child.on("exit", (code, signal) => {
    children.delete(child);
    if (stopping) return;
    console.error(
      `[taskbridge] ${name} stopped unexpectedly (${signal ?? `exit code ${code}`}); stopping everything.`,
    );
    void shutdown().then(() => process.exit(1));
  });
  return child;
}

function runToEnd(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: "inherit" });
    children.set(child, path.basename(args[0] ?? command));
    child.on("exit", (code) => {
      children.delete(child);
      if (code === 0) resolve();
      else
        reject(
          new StartError(
            `${path.basename(args[0] ?? command)} ${args.slice(1).join(" ")} failed (exit code ${code}).`,
          ),
        );
    });
  });
}

async function stopChildren(): Promise<void> {
  await Promise.all(
    [...children].map(
      ([child, name]) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => {
            say(`${name} did not stop within 8 seconds; stopping it by force.`);
            child.kill("SIGKILL");
          }, 8000);
          child.once("exit", () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill("SIGTERM");
        }),
    ),
  );
}

async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await stopChildren();
  await database?.stop();
  database = undefined;
}

async function waitFor(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !stopping) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(2000) })
      .then((response) => response.ok)
      .catch(() => false);
    if (ok) return true;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return false;
}

async function main() {
  // A stop request from the launcher, SIGTERM, or a crash of this process: stop everything, the
  // database last, then exit.
  const grace = closeWithGrace(
    {
      delay: 30_000,
      logger: { error: (message: unknown) => console.error(`[taskbridge] ${String(message)}`) },
    },
    async ({ err }) => {
      if (err) console.error(`[taskbridge] stopping after an error: ${err.message}`);
      await shutdown();
    },
  );
  const stopOnce = () => {
    if (!stopping) void grace.close();
  };
  process.on("message", (message) => {
    if (message === "stop") stopOnce();
  });
  // The launcher is gone (killed, its terminal closed): leave no servers behind.
  process.on("disconnect", () => {
    if (!stopping) say("the process that started this one is gone; stopping");
    stopOnce();
  });

  const env = readStackEnv();
  const secret = await resolveAuthSecret(env);

  let databaseUrl = env.DATABASE_URL;
  if (databaseUrl) {
    say("using the PostgreSQL at DATABASE_URL");
  } else {
    const { embeddedPgPassword } = await localSecrets();
    const pgDataDir = path.join(dataDir, "postgres");
    say(
      `starting the embedded PostgreSQL on 127.0.0.1:${env.EMBEDDED_PG_PORT} (data in ${path.relative(projectRoot, pgDataDir)}/)`,
    );
    database = await startEmbeddedPostgres({
      dataDir: pgDataDir,
      port: env.EMBEDDED_PG_PORT,
      password: embeddedPgPassword,
      database: "taskbridge",
      // Connections it ends while stopping are expected; anything else worth reading is shown.
      onLog: (line) => {
        if (!stopping && /FATAL|PANIC|ERROR/.test(line)) console.error(`[postgres] ${line}`);
      },
    });
    databaseUrl = database.url;
  }

  say("applying migrations");
  await migrateDatabase(databaseUrl);

  const webUrl = new URL(env.BETTER_AUTH_URL).origin;
  const apiUrl = new URL(env.NEXT_PUBLIC_API_URL).origin;
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    BETTER_AUTH_SECRET: secret,
    BETTER_AUTH_URL: webUrl,
    NEXT_PUBLIC_API_URL: apiUrl,
    API_PORT: String(env.API_PORT),
    API_HOST: env.HOST,
    NEXT_TELEMETRY_DISABLED: "1",
  };

  if (!dev && !(await webBuildIsCurrent())) {
    say("building the web app (first start, or its sources changed)");
    await runToEnd(process.execPath, [nextBin, "build"], {
      cwd: webDir,
      env: { ...childEnv, NODE_ENV: "production" },
    });
  }

  say(`starting the task API on ${apiUrl}`);
  run(
    "api",
    process.execPath,
    dev ? ["--import", "tsx", "--watch", apiEntry] : ["--import", "tsx", apiEntry],
    {
      cwd: projectRoot,
      env: childEnv,
    },
  );
  say(`starting the web app on ${webUrl}`);
  run(
    "web",
    process.execPath,
    dev
      ? [nextBin, "dev", "-p", String(env.WEB_PORT), "-H", env.HOST]
      : ["--import", "tsx", webServerEntry, "-p", String(env.WEB_PORT), "-H", env.HOST],
    {
      cwd: webDir,
      env: dev ? childEnv : { ...childEnv, NODE_ENV: "production" },
    },
  );

  const [webReady, apiReady] = await Promise.all([
    waitFor(`http://${env.HOST}:${env.WEB_PORT}/api/auth/ok`, 120_000),
    waitFor(`http://${env.HOST}:${env.API_PORT}/readyz`, 120_000),
  ]);
  if (stopping) return;
  if (!webReady || !apiReady) {
    console.error(
      `[taskbridge] ${!webReady ? "the web app" : "the task API"} did not become ready in time; see its log lines above.`,
    );
    return;
  }
  say("ready");
  say(`  web app   ${webUrl}`);
  say(`  task API  ${apiUrl}  (reference at ${apiUrl}/docs)`);
  say("Press Ctrl-C to stop.");
}

main().catch(async (error: unknown) => {
  // Stopped while starting (a build or a wait cut short): the stop itself ends the process.
  if (stopping) return;
  const known = error instanceof StartError || error instanceof EmbeddedPostgresError;
  console.error(
    known
      ? `[taskbridge] ${error.message}`
      : `[taskbridge] could not start: ${error instanceof Error ? error.message : String(error)}`,
  );
  await shutdown();
  process.exit(1);
});
