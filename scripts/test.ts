// `npm test`: every suite. Vitest (unit and integration) runs while the web app's production
// build is made (unless one newer than its sources is there), which the browser suite needs;
// then Playwright runs against that build. The build's output is held back and shown after
// Vitest's, so the two never interleave. Arguments go to Playwright (`npm test -- e2e/x.spec.ts`).
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { webBuildIsCurrent } from "./lib/web-build.ts";

const projectRoot = path.resolve(import.meta.dirname, "..");

const bin = (name: string) => path.join(projectRoot, "node_modules/.bin", name);
const running = new Set<ChildProcess>();

interface Finished {
  code: number;
  output: string;
}

function run(command: string, args: string[], options: { quiet?: boolean } = {}) {
  const child = spawn(command, args, {
    cwd: projectRoot,
    stdio: options.quiet ? ["ignore", "pipe", "pipe"] : "inherit",
  });
  running.add(child);
  const chunks: Buffer[] = [];
  child.stdout?.on("data", (chunk: Buffer) => chunks.push(chunk));
  child.stderr?.on("data", (chunk: Buffer) => chunks.push(chunk));
  return new Promise<Finished>((resolve) => {
    child.once("error", (error) => {
      running.delete(child);
      resolve({ code: 1, output: `${command}: ${error.message}\n` });
    });
    child.once("close", (code, signal) => {
      running.delete(child);
      resolve({ code: code ?? (signal ? 1 : 0), output: Buffer.concat(chunks).toString() });
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
  // The same check as `npm start`'s: a build newer than every file it is made from is kept.
  const build = (await webBuildIsCurrent())
    ? Promise.resolve<Finished>({ code: 0, output: "The web app's build is current.\n" })
    : run("npm", ["run", "build", "--silent"], { quiet: true });
  const unit = await run(bin("vitest"), ["run"]);
  const built = await build;
  process.stdout.write(`\n${built.output}`);
  if (unit.code !== 0) return unit.code;
  if (built.code !== 0) {
    console.error("The web app's build failed (above); the browser suite needs it.");
    return built.code;
  }
  return (await run(bin("playwright"), ["test", ...process.argv.slice(2)])).code;
}

main().then(
  (code) => process.exit(process.exitCode || code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
