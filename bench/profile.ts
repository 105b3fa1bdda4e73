// Where the CPU of a request goes: runs the API (HS256, as the perf tool starts it) and the
// hand-written floor (bench/floor-server.ts) each as its own process under `node --cpu-prof`, one
// process a scenario (list of 20, create, complete), loads it with wrk (or autocannon without it),
// and reads the profile it wrote: the samples taken while requests were served are given to the
// stage of the request they belong to (the innermost frame that names one: the token check, the
// rate limit, the log line, metrics, serialization, the PostgreSQL driver, Fastify's hooks, ...),
// and each stage's CPU is divided by the requests answered. CPU per request, unlike requests per
// second, barely moves with what else the machine runs; the profiler itself adds about a third.
// `npx tsx bench/profile.ts [list|create|complete ...]`; `--save` writes the API's figures to
// bench/profile-baseline.json, which later runs print beside their own as "before".
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { serve } from "./api.ts";
import { floorScenarios, hs256ApiEnv, seedFloorUsers } from "./floor.ts";
import {
  benchDatabase,
  hasWrk,
  load,
  loadWrk,
  printTable,
  type BenchDatabase,
  type WrkLoad,
} from "./support.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const BASELINE = path.join(import.meta.dirname, "profile-baseline.json");

const FrameSchema = z.object({ functionName: z.string(), url: z.string() });
type Frame = z.infer<typeof FrameSchema>;
const ProfileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: FrameSchema,
      children: z.array(z.number()).optional(),
    }),
  ),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

const inPackage = (frame: Frame, ...names: string[]) =>
  names.some((name) => frame.url.includes(`node_modules/${name}/`));
const inFile = (frame: Frame, pattern: RegExp) => pattern.test(frame.url);

/**
 * The stages, each with the frames that belong to it, tried from the innermost frame of a sample
 * outwards: the first frame that names a stage decides. Native frames and Node's own streams and
 * sockets name none, so a socket write counts for whoever wrote (the driver, or the HTTP reply).
 */
const STAGES: Array<[string, (frame: Frame) => boolean]> = [
  ["garbage collection", (f) => f.functionName === "(garbage collector)"],
  [
    "request log (pino)",
    (f) =>
      inPackage(f, "pino", "sonic-boom", "pino-std-serializers") ||
      ["requestCompleted", "loggedUrl", "bindUser", "createChildLogger"].includes(f.functionName),
  ],
  ["request id", (f) => f.functionName === "genReqId" || f.functionName === "randomUUID"],
  ["metrics", (f) => inPackage(f, "prom-client") || inFile(f, /apps\/api\/src\/plugins\/metrics/)],
  [
    "rate limit",
    (f) =>
      inPackage(f, "@fastify/rate-limit", "toad-cache") ||
      inFile(f, /apps\/api\/src\/plugins\/rate-limit/),
  ],
  [
    "token check + revocations",
    (f) =>
      inFile(f, /apps\/api\/src\/(auth\/|plugins\/auth)/) ||
      (inFile(f, /floor-server/) && f.functionName === "userOf"),
  ],
  [
    "CORS + security headers",
    (f) => inPackage(f, "@fastify/cors") || inFile(f, /apps\/api\/src\/plugins\/http/),
  ],
  [
    "validation (zod)",
    (f) => inPackage(f, "zod", "fastify-type-provider-zod", "secure-json-parse"),
  ],
  [
    "serialization",
    (f) => inPackage(f, "fast-json-stringify") || inFile(f, /apps\/api\/src\/lib\/serializer/),
  ],
  [
    "PostgreSQL driver (incl. its socket writes)",
    (f) =>
      inPackage(
        f,
        "pg",
        "pg-pool",
        "pg-protocol",
        "pg-types",
        "postgres-array",
        "postgres-date",
        "postgres-interval",
      ),
  ],
  [
    "handler + repository",
    (f) =>
      inPackage(f, "drizzle-orm") ||
      inFile(f, /apps\/api\/src\/(routes|repositories|lib|live)\//) ||
      inFile(f, /floor-server/),
  ],
  ["routing", (f) => inPackage(f, "find-my-way")],
  ["Fastify hooks + reply", (f) => inPackage(f, "fastify", "avvio", "@fastify/error")],
  ["HTTP response write (node:http)", (f) => f.url === "node:_http_outgoing"],
  ["HTTP request parse (node:http)", (f) => /^node:_http_(server|common|incoming)$/.test(f.url)],
];
const OTHER = "socket reads, event loop, other";

export interface StageFigures {
  /** CPU µs a request, by stage. */
  stages: Record<string, number>;
  total: number;
  requests: number;
}

/**
 * CPU µs a request by stage, over the samples between the first and the last one that ran a
 * handler (`handlerFile`): start-up and shut-down are left out.
 */
export function stagesOf(profileText: string, handlerFile: RegExp, requests: number): StageFigures {
  const profile = ProfileSchema.parse(JSON.parse(profileText));
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parents.set(child, node.id);
  const stackOf = (id: number): Frame[] => {
    const stack: Frame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
      const frame = frames.get(at);
      if (frame) stack.push(frame);
    }
    return stack;
  };
  const stacks = profile.samples.map(stackOf);
  const handling = stacks.map((stack) => stack.some((frame) => handlerFile.test(frame.url)));
  const first = handling.indexOf(true);
  const last = handling.lastIndexOf(true);
  const stages: Record<string, number> = {};
  let total = 0;
  for (let i = Math.max(0, first); i <= last; i++) {
    const stack = stacks[i] ?? [];
    if (stack[0]?.functionName === "(idle)") continue;
    const micros = profile.timeDeltas[i] ?? 0;
    let stage = OTHER;
    for (const frame of stack) {
      const found = STAGES.find(([, belongs]) => belongs(frame));
      if (found) {
        stage = found[0];
        break;
      }
    }
    stages[stage] = (stages[stage] ?? 0) + micros;
    total += micros;
  }
  const perRequest = (micros: number) => micros / Math.max(1, requests);
  return {
    stages: Object.fromEntries(
      Object.entries(stages).map(([stage, micros]) => [stage, perRequest(micros)]),
    ),
    total: perRequest(total),
    requests,
  };
}

async function runLoad(
  name: string,
  spec: WrkLoad,
  wrk: boolean,
): Promise<{ total: number; requestsPerSecond: number }> {
  if (wrk) {
    const result = await loadWrk(name, spec);
    return { total: result.total ?? 0, requestsPerSecond: result.requestsPerSecond };
  }
  // Without wrk: autocannon, on the first id when the path names one.
  const result = await load(name, {
    url: `${spec.base}${spec.path.replace("{id}", spec.ids?.[0] ?? "")}`,
    connections: spec.connections,
    duration: spec.duration,
    method: spec.method,
    headers: spec.headers,
    body: spec.body,
  });
  return { total: result.total ?? 0, requestsPerSecond: result.requestsPerSecond };
}

/** One server process under the profiler, one scenario: its stage figures. */
async function profileOne(
  which: "api" | "floor",
  scenario: ReturnType<typeof floorScenarios>[number],
  databaseUrl: string,
  wrk: boolean,
): Promise<StageFigures & { requestsPerSecond: number }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "taskbridge-profile-"));
  const script = which === "api" ? "apps/api/src/server.ts" : "bench/floor-server.ts";
  const server = await serve("", hs256ApiEnv(databaseUrl), which === "api" ? "/readyz" : "/", {
    file: process.execPath,
    args: () => ["--cpu-prof", "--cpu-prof-dir", dir, "--import", "tsx", script],
    cwd: process.cwd(),
  });
  let requests = 0;
  let requestsPerSecond = 0;
  try {
    const spec = await scenario.load(server.base);
    requests += (await runLoad("warm-up", { ...spec, duration: 2 }, wrk)).total;
    const measured = await runLoad(scenario.name, { ...spec, duration: SECONDS }, wrk);
    requests += measured.total;
    requestsPerSecond = measured.requestsPerSecond;
  } finally {
    await server.stop();
  }
  // The main thread's profile (tsx's loader thread writes a second, smaller one).
  const files = (await readdir(dir)).filter((name) => name.endsWith(".cpuprofile")).sort();
  const file = files[0];
  if (!file) throw new Error(`no profile written in ${dir}`);
  const handler = which === "api" ? /apps\/api\/src\/routes\// : /floor-server/;
  const figures = stagesOf(await readFile(path.join(dir, file), "utf8"), handler, requests);
  return { ...figures, requestsPerSecond };
}

const BaselineSchema = z.object({
  commit: z.string(),
  scenarios: z.record(
    z.string(),
    z.object({ stages: z.record(z.string(), z.number()), total: z.number() }),
  ),
});

async function readBaseline(): Promise<z.infer<typeof BaselineSchema> | undefined> {
  try {
    return BaselineSchema.parse(JSON.parse(await readFile(BASELINE, "utf8")));
  } catch {
    return undefined;
  }
}

const fixed = (micros: number | undefined) => (micros === undefined ? "-" : micros.toFixed(1));

export async function benchProfile(
  database: BenchDatabase,
  options: { only?: string[]; save?: string } = {},
): Promise<void> {
  const wrk = await hasWrk();
  const ids = await seedFloorUsers(database.url);
  const baseline = await readBaseline();
  const saved: z.infer<typeof BaselineSchema> = { commit: options.save ?? "", scenarios: {} };
  for (const scenario of floorScenarios(ids)) {
    if (options.only?.length && !options.only.some((name) => scenario.name.startsWith(name)))
      continue;
    const api = await profileOne("api", scenario, database.url, wrk);
    const floor = await profileOne("floor", scenario, database.url, wrk);
    const before = baseline?.scenarios[scenario.name];
    saved.scenarios[scenario.name] = { stages: api.stages, total: api.total };
    const names = [...new Set([...Object.keys(api.stages), ...Object.keys(before?.stages ?? {})])];
    names.sort((a, b) => (api.stages[b] ?? 0) - (api.stages[a] ?? 0));
    const rows = names.map((stage) => ({
      stage,
      ...(baseline ? { "API before µs": fixed(before?.stages[stage]) } : {}),
      "API µs": fixed(api.stages[stage]),
      "floor µs": fixed(floor.stages[stage]),
    }));
    rows.push({
      stage: "CPU per request",
      ...(baseline ? { "API before µs": fixed(before?.total) } : {}),
      "API µs": fixed(api.total),
      "floor µs": fixed(floor.total),
    });
    printTable(
      `Where a request's CPU goes, ${scenario.name}: µs a request by stage, from CPU profiles ` +
        `(API ${api.requests} requests at ${api.requestsPerSecond}/s under the profiler, floor ` +
        `${floor.requests} at ${floor.requestsPerSecond}/s)` +
        (baseline ? `; "before": bench/profile-baseline.json, measured at ${baseline.commit}` : ""),
      rows,
    );
  }
  if (options.save) {
    await writeFile(BASELINE, `${JSON.stringify(saved, null, 2)}\n`);
    console.log(`API figures written to ${BASELINE}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  const saveAt = args.indexOf("--save");
  const save = saveAt >= 0 ? args[saveAt + 1] : undefined;
  const only = args.filter((arg, i) => arg !== "--save" && (saveAt < 0 || i !== saveAt + 1));
  const database = await benchDatabase();
  try {
    await benchProfile(database, { only, ...(save ? { save } : {}) });
  } finally {
    await database.stop();
  }
}
