// Where the API's CPU goes: runs the API as its own process under `node --cpu-prof`, loads it with
// list / get / create / toggle, stops it, and prints the self time of the heaviest functions and
// of each package from the profile it wrote. Shares must be read against one another, in one run:
// the machine is shared, so absolute times are noise. `npx tsx bench/profile.ts [scenario ...]`.
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { sql } from "drizzle-orm";
import { createDb, createPool } from "@taskbridge/db/client";
import { task, user } from "@taskbridge/db/schema";
import { TEST_AUDIENCE, TestIssuer } from "../apps/api/test/support/issuer.ts";
import { serve } from "./api.ts";
import { benchDatabase, load, printTable } from "./support.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const TOP = 25;

const ProfileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
    }),
  ),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

/** The package a script belongs to (the last `node_modules/<name>`), else the project or node. */
function packageOf(url: string): string {
  const match = /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match?.[1]) return match[1];
  if (url.includes("/packages/")) return "(project packages)";
  if (url.includes("/apps/api/")) return "(api)";
  if (url === "") return "(native / gc / idle)";
  return url.startsWith("node:") ? "(node)" : url;
}

async function summarise(file: string): Promise<void> {
  const profile = ProfileSchema.parse(JSON.parse(await readFile(file, "utf8")));
  const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const self = new Map<string, number>();
  const packages = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id);
    const delta = profile.timeDeltas[i] ?? 0;
    if (!frame || frame.functionName === "(idle)") return;
    total += delta;
    const where = frame.url.replace(/.*node_modules\//, "").replace(/.*\/perf\//, "");
    const key = `${frame.functionName || "(anonymous)"} ${where}:${frame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + delta);
    const name = packageOf(frame.url);
    packages.set(name, (packages.get(name) ?? 0) + delta);
  });
  const share = (micros: number) => `${((100 * micros) / total).toFixed(1)} %`;
  const top = (map: Map<string, number>, n: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, micros]) => ({ name, "self (of busy)": share(micros) }));
  printTable(
    `Heaviest functions by self time (busy ${(total / 1e6).toFixed(1)} s)`,
    top(self, TOP),
  );
  printTable("By package", top(packages, 15));
}

async function main() {
  const only = process.argv.slice(2);
  const database = await benchDatabase();
  const issuer = await TestIssuer.start();
  const pool = createPool(database.url, { max: 2 });
  const db = createDb(pool);
  const owner = "profile-user";
  await db.insert(user).values({ id: owner, name: owner, email: `${owner}@bench.test` });
  await db.execute(sql`
    insert into task (user_id, title, description, tags, due_date, created_at, updated_at)
    select ${owner}, 'Task ' || g, case when g % 3 = 0 then 'details ' || g end,
           array['tag' || (g % 5)], case when g % 4 = 0 then current_date + g % 30 end,
           now() - (g || ' seconds')::interval, now() - (g || ' seconds')::interval
    from generate_series(1, 1000) g`);
  await db.execute(sql`analyze task`);
  const [first] = await db.select({ id: task.id }).from(task).limit(1);
  if (!first) throw new Error("no seeded task");
  const headers = { authorization: `Bearer ${await issuer.sign(owner)}` };
  const dir = await mkdtemp(path.join(os.tmpdir(), "taskbridge-profile-"));
  const server = await serve(
    "",
    {
      NODE_ENV: "production",
      DATABASE_URL: database.url,
      BETTER_AUTH_URL: issuer.origin,
      JWT_AUDIENCE: TEST_AUDIENCE,
      NEXT_PUBLIC_API_URL: TEST_AUDIENCE,
      RATE_LIMIT_PER_MINUTE: "100000000",
      LOG_LEVEL: "info",
    },
    "/readyz",
    {
      file: process.execPath,
      args: () => [
        "--cpu-prof",
        "--cpu-prof-dir",
        dir,
        "--import",
        "tsx",
        "apps/api/src/server.ts",
      ],
      cwd: process.cwd(),
    },
  );
  const common = { connections: 32, duration: SECONDS, headers };
  const scenarios = [
    { name: "list", ...common, url: `${server.base}/api/tasks?limit=20` },
    { name: "get", ...common, url: `${server.base}/api/tasks/${first.id}` },
    {
      name: "create",
      ...common,
      url: `${server.base}/api/tasks`,
      method: "POST" as const,
      body: JSON.stringify({ title: "Profiled task" }),
      headers: { ...headers, "content-type": "application/json" },
    },
    {
      name: "toggle",
      ...common,
      url: `${server.base}/api/tasks/${first.id}/toggle`,
      method: "POST" as const,
    },
  ].filter((scenario) => only.length === 0 || only.includes(scenario.name));
  const results = [];
  try {
    for (const scenario of scenarios) results.push(await load(scenario.name, scenario));
  } finally {
    await server.stop();
    await pool.end();
    await issuer.close();
    await database.stop();
  }
  printTable(
    "Load while profiling (32 connections)",
    results.map((result) => ({ ...result })),
  );
  const [file] = (await readdir(dir)).filter((name) => name.endsWith(".cpuprofile"));
  if (!file) throw new Error(`no profile written in ${dir}`);
  console.log(`profile: ${path.join(dir, file)}`);
  await summarise(path.join(dir, file));
}

await main();
