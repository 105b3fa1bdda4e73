// `npm start` (and `npm run dev` with --dev): one command that brings up the whole stack, and on
// Ctrl-C, SIGTERM or a closed terminal stops all of it, the database last.
//
// The stack (scripts/lib/supervisor.ts) runs in a process group of its own, and this foreground
// process only relays. A terminal sends Ctrl-C's SIGINT to every process of its foreground job,
// and npm passes it on once more: in one group the database would take it as an order to stop at
// once, dropping the API's connections while the API drains, and each server would be signalled
// twice, which cuts its draining short. Here the first signal becomes one stop request, however
// many arrive; this process ends when the supervisor has stopped everything, with its exit code.
// Deliberately small: nothing imported here may install signal handlers of its own.
import { spawn } from "node:child_process";
import path from "node:path";

const supervisor = spawn(
  process.execPath,
  [
    ...process.execArgv,
    path.join(import.meta.dirname, "lib/supervisor.ts"),
    ...process.argv.slice(2),
  ],
  { detached: true, stdio: ["ignore", "inherit", "inherit", "ipc"] },
);

let asked = false;
function askToStop() {
  if (asked || !supervisor.connected) return;
  asked = true;
  supervisor.send("stop");
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, askToStop);
// `npm start` runs this under `sh -c`, and npm passes a SIGTERM sent to npm alone (a service
// manager stopping it, `kill <npm's pid>`) to that shell, not to this process: the shell dies of
// it and this process is handed to init. A parent that changes is a stop request too.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) askToStop();
}, 250).unref();

supervisor.on("error", (error) => {
  console.error(`[taskbridge] could not start: ${error.message}`);
  process.exit(1);
});
supervisor.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
