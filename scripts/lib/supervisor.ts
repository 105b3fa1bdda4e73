// The supervisor behind `npm start` (see scripts/start.ts, which runs this in a process group of
// its own): starts the embedded PostgreSQL unless DATABASE_URL is set, applies migrations, builds
// the web app when its sources changed, starts the task API and the web app, prints both URLs,
// and when asked to stop (by the launcher, or SIGTERM) stops all of it, the database last.
//
// Other modes, through the same launcher:
// - `--only=api` (`npm run start:api`), `--only=web` (`npm run start:web`): one app alone,
//   against DATABASE_URL (required), on API_PORT or WEB_PORT, for as many copies as one likes.
//   Each applies pending migrations first, under the migrations' advisory lock.
// - `--cluster` (`npm run cluster`): two copies of each behind HAProxy (deploy/haproxy.cfg).
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
import {
  apiArgs,
  findHaproxy,
  HAPROXY_MISSING,
  haproxyArgs,
  haproxyEnv,
  haproxyServerStates,
  webArgs,
  type ClusterAddresses,
} from "./copies.ts";
import { ensureWebBuild, webDir } from "./web-build.ts";

const dev = process.argv.includes("--dev");
const onlyArg = process.argv.find((arg) => arg.startsWith("--only="))?.slice("--only=".length);
const cluster = process.argv.includes("--cluster");
const nextBin = createRequire(path.join(webDir, "package.json")).resolve("next/dist/bin/next");
/** Longest a child may take to stop after SIGTERM before it is killed: its drain, and more. */
let stopGraceMs = 15_000;

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
            say(`${name} did not stop within ${stopGraceMs / 1000} seconds; stopping it by force.`);
            child.kill("SIGKILL");
          }, stopGraceMs);
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
      // Every server's drain (DRAIN_TIMEOUT_MS), then the database's stop.
      delay: Math.max(30_000, (Number(process.env.DRAIN_TIMEOUT_MS) || 0) + 20_000),
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

  if (onlyArg !== undefined && onlyArg !== "api" && onlyArg !== "web") {
    throw new StartError(`--only takes api or web, not ${onlyArg}`);
  }
  const only: "api" | "web" | undefined = onlyArg;
  const env = readStackEnv();
  stopGraceMs = env.DRAIN_TIMEOUT_MS + 5000;
  const secret = await resolveAuthSecret(env);

  let databaseUrl = env.DATABASE_URL;
  if (databaseUrl) {
    say("using the PostgreSQL at DATABASE_URL");
  } else if (only) {
    throw new StartError(
      `DATABASE_URL is required for \`npm run start:${only}\`: one app alone starts no database. ` +
        "Point it at the PostgreSQL every copy shares, e.g. " +
        "DATABASE_URL=postgres://taskbridge:secret@db.internal:5432/taskbridge " +
        "(or run `npm start` for the whole stack on one machine, or `npm run cluster`).",
    );
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

  // Under an advisory lock: copies starting together apply the history once (the others wait,
  // then find nothing to do).
  say("applying migrations");
  await migrateDatabase(databaseUrl);

  const addresses: ClusterAddresses | undefined = cluster
    ? {
        host: env.HOST,
        webFrontPort: env.CLUSTER_WEB_PORT,
        apiFrontPort: env.CLUSTER_API_PORT,
        statsPort: env.CLUSTER_STATS_PORT,
        webPorts: [env.WEB_PORT + 1, env.WEB_PORT + 2],
        apiPorts: [env.API_PORT + 1, env.API_PORT + 2],
      }
    : undefined;
  const haproxy = cluster ? findHaproxy() : undefined;
  if (cluster && !haproxy)
    throw new StartError(`npm run cluster needs HAProxy. ${HAPROXY_MISSING}`);

  // Behind HAProxy, the origins people and tokens use are the balancer's.
  const webUrl = addresses
    ? new URL(process.env.BETTER_AUTH_URL ?? `http://localhost:${addresses.webFrontPort}`).origin
    : new URL(env.BETTER_AUTH_URL).origin;
  const apiUrl = addresses
    ? new URL(process.env.NEXT_PUBLIC_API_URL ?? `http://localhost:${addresses.apiFrontPort}`)
        .origin
    : new URL(env.NEXT_PUBLIC_API_URL).origin;
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    BETTER_AUTH_SECRET: secret,
    BETTER_AUTH_URL: webUrl,
    NEXT_PUBLIC_API_URL: apiUrl,
    API_PORT: String(env.API_PORT),
    API_HOST: env.HOST,
    NEXT_TELEMETRY_DISABLED: "1",
    // One copy with nothing in front: no balancer needs time to see readiness fall.
    ...(only || cluster ? {} : { DRAIN_DELAY_MS: process.env.DRAIN_DELAY_MS ?? "0" }),
    // Behind the local HAProxy: its X-Forwarded-For is believed, and nobody else's.
    ...(cluster
      ? {
          TRUSTED_PROXIES: process.env.TRUSTED_PROXIES ?? "127.0.0.1,::1",
          API_TRUSTED_PROXIES: process.env.API_TRUSTED_PROXIES ?? "127.0.0.1,::1",
        }
      : {}),
  };

  if (!dev && only !== "api") {
    await ensureWebBuild({
      databaseUrl,
      say,
      build: () =>
        runToEnd(process.execPath, [nextBin, "build"], {
          cwd: webDir,
          env: { ...childEnv, NODE_ENV: "production" },
        }),
    });
  }

  const startApi = (name: string, port: number) => {
    run(name, process.execPath, apiArgs({ watch: dev }), {
      cwd: projectRoot,
      env: { ...childEnv, API_PORT: String(port) },
    });
    return `http://${env.HOST}:${port}/readyz`;
  };
  const startWeb = (name: string, port: number) => {
    run(
      name,
      process.execPath,
      dev ? [nextBin, "dev", "-p", String(port), "-H", env.HOST] : webArgs(port, env.HOST),
      { cwd: webDir, env: dev ? childEnv : { ...childEnv, NODE_ENV: "production" } },
    );
    return `http://${env.HOST}:${port}/${dev ? "api/auth/ok" : "readyz"}`;
  };

  const readiness: Array<{ name: string; url: string }> = [];
  if (addresses) {
    for (const [index, port] of addresses.apiPorts.entries()) {
      const name = `api-${index + 1}`;
      say(`starting ${name} on ${env.HOST}:${port}`);
      readiness.push({ name, url: startApi(name, port) });
    }
    for (const [index, port] of addresses.webPorts.entries()) {
      const name = `web-${index + 1}`;
      say(`starting ${name} on ${env.HOST}:${port}`);
      readiness.push({ name, url: startWeb(name, port) });
    }
    // Started once the web copies answer, so that it does not begin by reporting them DOWN;
    // the API copies are ready only once they have the web app's keys, fetched through it.
    await Promise.all(
      readiness
        .filter(({ name }) => name.startsWith("web"))
        .map(({ url }) => waitFor(url, 120_000)),
    );
    if (stopping) return;
    say(`starting HAProxy (${path.relative(projectRoot, haproxyArgs()[2] ?? "")})`);
    run("haproxy", haproxy ?? "haproxy", haproxyArgs(), {
      cwd: projectRoot,
      env: { ...process.env, ...haproxyEnv(addresses) },
    });
  } else {
    if (only !== "web") {
      say(`starting the task API on ${env.HOST}:${env.API_PORT} (public origin ${apiUrl})`);
      readiness.push({ name: "the task API", url: startApi("api", env.API_PORT) });
    }
    if (only !== "api") {
      say(`starting the web app on ${env.HOST}:${env.WEB_PORT} (public origin ${webUrl})`);
      readiness.push({ name: "the web app", url: startWeb("web", env.WEB_PORT) });
    }
  }

  const ready = await Promise.all(readiness.map(({ url }) => waitFor(url, 120_000)));
  if (stopping) return;
  const late = readiness.filter((_, index) => !ready[index]);
  if (late.length > 0) {
    console.error(
      `[taskbridge] ${late.map(({ name }) => name).join(", ")} did not become ready in time; see the log lines above.`,
    );
    return;
  }
  if (addresses) {
    const statsUrl = `http://${env.HOST}:${addresses.statsPort}`;
    const deadline = Date.now() + 30_000;
    while (!stopping && Date.now() < deadline) {
      const states = [...(await haproxyServerStates(statsUrl)).values()];
      if (states.length === 4 && states.every((state) => state === "UP")) break;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    if (stopping) return;
    say("ready: two web app copies and two task API copies behind HAProxy");
    say(`  open      ${webUrl}`);
    say(`  task API  ${apiUrl}  (the same two copies, balanced; reference at ${apiUrl}/docs)`);
    say(`  HAProxy   ${statsUrl}/  (which copy is UP)`);
  } else if (only) {
    say("ready");
    say(
      only === "api"
        ? `  task API  http://${env.HOST}:${env.API_PORT}  (readiness at /readyz)`
        : `  web app   http://${env.HOST}:${env.WEB_PORT}  (readiness at /readyz)`,
    );
  } else {
    say("ready");
    say(`  web app   ${webUrl}`);
    say(`  task API  ${apiUrl}  (reference at ${apiUrl}/docs)`);
  }
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
