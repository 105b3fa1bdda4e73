// `npm test`: every suite. Vitest (unit and integration) runs first; then the web app's production
// build is made, unless one newer than its sources is there, since the browser suite needs it; then
// Playwright runs against that build. The build comes after Vitest, not beside it: each keeps both
// cores of a small machine busy, and side by side the two took longer than one after the other
// (a clean run on two cores: 232-247 s side by side, 202 s in turn). Arguments go to Playwright
// (`npm test -- e2e/x.spec.ts`).
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { webBuildIsCurrent } from "./lib/web-build.ts";

const projectRoot = path.resolve(import.meta.dirname, "..");

const bin = (name: string) => path.join(projectRoot, "node_modules/.bin", name);
const running = new Set<ChildProcess>();

function run(command: string, args: string[]): Promise<number> {
  const child = spawn(command, args, { cwd: projectRoot, stdio: "inherit" });
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
  const unit = await run(bin("vitest"), ["run"]);
  if (unit !== 0) return unit;
  // The same check as `npm start`'s: a build newer than every file it is made from is kept.
  if (await webBuildIsCurrent()) {
    console.log("The web app's build is current.");
  } else {
    const built = await run("npm", ["run", "build", "--silent"]);
    if (built !== 0) {
      console.error("The web app's build failed (above); the browser suite needs it.");
      return built;
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
