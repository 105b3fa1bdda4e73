// `npm test`: every suite. Vitest (unit and integration) runs first; then the web app's production
// build is made, unless one newer than its sources is there, since the browser suite needs it; then
// the rolling-restart test (tests/cluster/rolling-restart.ts: HAProxy in front of two copies of
// each app) and Playwright run against that build, one after the other. The build comes after
// Vitest, not beside it: each keeps both cores of a small machine busy, and side by side the two
// took longer than one after the other (a clean run on two cores: 232-247 s side by side, 202 s in
// turn). The web app's type check is the exception: one single-threaded tsc, it runs beside
// Vitest, whose tests spend part of their time waiting, and the build then skips its own pass over
// the same files. Arguments go to Playwright alone (`npm test -- e2e/x.spec.ts`).
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { webBuildIsCurrent } from "./lib/web-build.ts";

const projectRoot = path.resolve(import.meta.dirname, "..");

const bin = (name: string) => path.join(projectRoot, "node_modules/.bin", name);
const running = new Set<ChildProcess>();

interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Keeps the output, for the caller to show later, instead of passing it through as it comes. */
  output?: string[];
}

function run(command: string, args: string[], options: RunOptions = {}): Promise<number> {
  const { env = process.env, output } = options;
  const child = spawn(command, args, {
    cwd: projectRoot,
    env,
    stdio: output ? ["ignore", "pipe", "pipe"] : "inherit",
  });
  if (output) {
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding("utf8").on("data", (chunk: string) => output.push(chunk));
    }
  }
  running.add(child);
  return new Promise((resolve) => {
    child.once("error", (error) => {
      running.delete(child);
      console.error(`${command}: ${error.message}`);
      resolve(1);
    });
    child.once("close", (code, signal) => {
      running.delete(child);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

// Ctrl-C reaches the children from the terminal already: passing it on as well would be a second
// signal, on which Playwright stops without tearing down its web server. A SIGTERM sent to this
// process alone is passed on.
process.on("SIGINT", () => {
  process.exitCode = 1;
});
process.on("SIGTERM", () => {
  for (const child of running) child.kill("SIGTERM");
  process.exitCode = 1;
});

async function main(): Promise<number> {
  // The same check as `npm start`'s: a build newer than every file it is made from is kept. It
  // was type-checked when it was made, from these same files.
  const buildIsCurrent = await webBuildIsCurrent();
  const typeOutput: string[] = [];
  const [unit, types] = await Promise.all([
    run(bin("vitest"), ["run"]),
    buildIsCurrent ? 0 : run("npm", ["run", "typecheck:web", "--silent"], { output: typeOutput }),
  ]);
  if (types !== 0) {
    process.stderr.write(typeOutput.join(""));
    console.error("The web app's type check failed (above).");
  }
  if (unit !== 0 || types !== 0) return unit || types;
  if (buildIsCurrent) {
    console.log("The web app's build is current.");
  } else {
    const built = await run("npm", ["run", "build", "--silent"], {
      env: { ...process.env, TASKBRIDGE_WEB_TYPES_CHECKED: "1" },
    });
    if (built !== 0) {
      console.error("The web app's build failed (above); the browser suite needs it.");
      return built;
    }
  }
  // Arguments choose Playwright tests: then only those run.
  if (process.argv.length <= 2) {
    // Two API and two web copies behind HAProxy, restarted in turn under load (about 90 s; it
    // says it is skipped when HAProxy is not installed). After the build, whose output it runs,
    // and before the browser suite, not beside it: both want the two cores.
    const cluster = await run(process.execPath, [
      "--import",
      "tsx",
      path.join(projectRoot, "tests/cluster/rolling-restart.ts"),
    ]);
    if (cluster !== 0) {
      console.error("The rolling-restart test failed (above); the browser suite runs anyway.");
      const browsers = await run(bin("playwright"), ["test"]);
      return cluster || browsers;
    }
  }
  return run(bin("playwright"), ["test", ...process.argv.slice(2)]);
}

main().then(
  (code) => process.exit(process.exitCode || code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
