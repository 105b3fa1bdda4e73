// The API as production runs it: its server entry in a Node.js process of its own.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

const serverEntry = path.join(import.meta.dirname, "../../src/server.ts");

export interface ApiProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  /** Everything it has printed so far. */
  output(): string;
}

/** Starts the API with only PATH and `env` as its environment. */
export function startApiProcess(env: Record<string, string>): ApiProcess {
  const child = spawn(process.execPath, ["--import", "tsx", serverEntry], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  return { child, exited, output: () => output };
}

/**
 * Waits until the process at `origin` answers /readyz. Starting it compiles its TypeScript, which
 * on a busy machine takes a while: the wait is long, but it ends at once, with what the process
 * printed, if the process does.
 */
export async function untilReady(
  server: ApiProcess,
  origin: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void server.exited.then(() => (gone = true));
  while (!gone && Date.now() < deadline) {
    const ready = await fetch(`${origin}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `the API process ${gone ? "exited" : `was not ready within ${timeoutMs / 1000} s`}:\n${server.output()}`,
  );
}
