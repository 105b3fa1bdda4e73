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
