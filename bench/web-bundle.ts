// First-load JavaScript of the task board, gzipped: the chunks every page loads (the framework's
// root files) plus those the /tasks page and its layouts name in the build.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { z } from "zod";
import { printTable } from "./support.ts";

const nextDir = path.resolve(import.meta.dirname, "../apps/web/.next");
const BUDGET_KB = 200;

const BuildManifest = z.object({
  rootMainFiles: z.array(z.string()),
  polyfillFiles: z.array(z.string()),
});
const ClientManifest = z.record(
  z.string(),
  z.object({ entryJSFiles: z.record(z.string(), z.array(z.string())) }),
);

/** Chunks the browser loads for a page on first visit, from the build's own manifests. */
export async function pageChunks(page: string): Promise<string[]> {
  const build = BuildManifest.parse(
    JSON.parse(await readFile(path.join(nextDir, "build-manifest.json"), "utf8")),
  );
  const manifestFile = path.join(nextDir, "server/app", page, "page_client-reference-manifest.js");
  // The manifest is a script that assigns globalThis.__RSC_MANIFEST; read it as data.
  const source = await readFile(manifestFile, "utf8");
  const json = /__RSC_MANIFEST\[[^\]]+\]\s*=\s*(\{[\s\S]*\});?\s*$/.exec(source)?.[1];
  if (!json) throw new Error(`Unreadable ${manifestFile}`);
  const parsed: unknown = JSON.parse(json);
  const entry = Object.values(ClientManifest.parse({ page: parsed }))[0];
  // polyfillFiles are loaded with `nomodule`, by old browsers only, so they are not counted.
  const files = new Set(build.rootMainFiles);
  for (const chunks of Object.values(entry?.entryJSFiles ?? {}))
    for (const chunk of chunks) files.add(chunk);
  return [...files].filter((file) => file.endsWith(".js"));
}

export async function benchWebBundle(): Promise<void> {
  let files: string[];
  try {
    files = await pageChunks("(app)/tasks");
  } catch {
    console.log("\nWeb bundle: no production build found; run `npm run build` first.");
    return;
  }
  let raw = 0;
  let gzipped = 0;
  for (const file of files) {
    const body = await readFile(path.join(nextDir, file));
    raw += body.length;
    gzipped += gzipSync(body, { level: 9 }).length;
  }
  printTable(`First-load JavaScript of /tasks (budget ${BUDGET_KB} KB gzipped)`, [
    {
      chunks: files.length,
      "raw KB": (raw / 1024).toFixed(1),
      "gzipped KB": (gzipped / 1024).toFixed(1),
      "within budget": gzipped / 1024 <= BUDGET_KB ? "yes" : "NO",
    },
  ]);
}
