import { existsSync, statSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { projectRoot } from "./stack-env.ts";

export const webDir = path.join(projectRoot, "apps/web");

/** What a web build is made from: the web app (but its build, tests and server), and packages. */
const SOURCES = ["apps/web", "packages/auth/src", "packages/shared/src", "packages/db/src"];
const NOT_SOURCES = new Set(
  [".next", "node_modules", "test", "server.ts", "tsconfig.tsbuildinfo"].map((name) =>
    path.join(webDir, name),
  ),
);

/** Newest modification time among the files whose change needs a new web build. */
async function newestSourceTime(): Promise<number> {
  let newest = 0;
  const visit = async (target: string): Promise<void> => {
    if (NOT_SOURCES.has(target)) return;
    const info = await stat(target).catch(() => undefined);
    if (!info) return;
    if (info.isDirectory()) {
      for (const entry of await readdir(target)) await visit(path.join(target, entry));
    } else {
      newest = Math.max(newest, info.mtimeMs);
    }
  };
  for (const root of [...SOURCES, "package-lock.json"]) await visit(path.join(projectRoot, root));
  return newest;
}

/** True when the web app's production build is newer than everything it was made from. */
export async function webBuildIsCurrent(): Promise<boolean> {
  const buildId = path.join(webDir, ".next/BUILD_ID");
  if (!existsSync(buildId)) return false;
  return statSync(buildId).mtimeMs >= (await newestSourceTime());
}

// Any fixed 64-bit number, distinct from the migrations' lock (packages/db/src/migrate.ts).
const BUILD_LOCK_KEY = "7301947265012449";

/**
 * Makes the web app's production build unless a current one is there (`build` makes it). With a
 * database, two copies starting at once on one machine (`npm run start:web` twice) take turns
 * under a PostgreSQL advisory lock: the second waits, then finds the build current.
 */
export async function ensureWebBuild(options: {
  databaseUrl?: string;
  build: () => Promise<void>;
  say: (message: string) => void;
}): Promise<void> {
  if (await webBuildIsCurrent()) return;
  if (!options.databaseUrl) {
    options.say("building the web app (first start, or its sources changed)");
    return options.build();
  }
  const { default: pg } = await import("pg");
  const client = new pg.Client({
    connectionString: options.databaseUrl,
    application_name: "taskbridge-web-build",
  });
  await client.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [BUILD_LOCK_KEY]);
    if (await webBuildIsCurrent()) return;
    options.say("building the web app (first start, or its sources changed)");
    await options.build();
  } finally {
    await client.end();
  }
}
