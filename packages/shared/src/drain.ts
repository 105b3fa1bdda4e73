import type { Server } from "node:http";
import { z } from "zod";

/**
 * How a server drains on SIGTERM or SIGINT, read from the environment by both apps:
 *
 * - `DRAIN_DELAY_MS`: how long a draining server keeps accepting new connections while its
 *   readiness answers 503, so that a load balancer checking it (HAProxy: `inter 1s fall 1`)
 *   takes it out of rotation before it stops listening. What reaches it meanwhile is served,
 *   with `Connection: close`. `npm start` (one copy, nothing in front) sets 0.
 * - `DRAIN_TIMEOUT_MS`: the longest the whole drain may take, the delay included; requests
 *   still open then are cut and the process exits 1.
 */
export const drainEnv = {
  DRAIN_DELAY_MS: z.coerce.number().int().min(0).max(120_000).default(2000),
  DRAIN_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
};

const DrainEnvSchema = z.object(drainEnv);

export interface DrainSettings {
  delayMs: number;
  timeoutMs: number;
}

/** The drain settings of `source`, or a message naming what is wrong. */
export function drainSettings(source: NodeJS.ProcessEnv): DrainSettings {
  const parsed = DrainEnvSchema.safeParse(source);
  if (!parsed.success) {
    throw new Error(
      parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("\n"),
    );
  }
  const { DRAIN_DELAY_MS: delayMs, DRAIN_TIMEOUT_MS: timeoutMs } = parsed.data;
  return { delayMs: Math.min(delayMs, timeoutMs), timeoutMs };
}

/**
 * A server's draining state: off until the first stop signal, then on for good. Readiness reads
 * it (503 while draining), responses read it (`Connection: close`), and whatever holds a
 * connection open by itself (an event stream) listens for it and ends.
 */
export class Drain {
  #draining = false;
  readonly #listeners = new Set<() => void>();

  get draining(): boolean {
    return this.#draining;
  }

  /** Calls `listener` once when draining begins (at once if it has); returns the unsubscribe. */
  onDrain(listener: () => void): () => void {
    if (this.#draining) {
      listener();
      return () => undefined;
    }
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  begin(): void {
    if (this.#draining) return;
    this.#draining = true;
    const listeners = [...this.#listeners];
    this.#listeners.clear();
    for (const listener of listeners) listener();
  }
}

export interface StopOptions {
  server: Server;
  drain: Drain;
  settings: DrainSettings;
  /** Stops listening and resolves once every request in flight has been answered. */
  close: () => Promise<void>;
  /** Runs after `close` (database pools and the like). */
  cleanup?: () => Promise<void>;
  log: { info(message: string): void; warn(message: string): void };
}

/**
 * Drains and exits on the first SIGTERM or SIGINT: readiness says 503 at once, idle keep-alive
 * connections close, answers from then on close their connection, event streams end (their
 * listeners on `drain`); after `settings.delayMs` the server stops listening and waits for what
 * is in flight, then the process exits 0. Past `settings.timeoutMs` it exits 1 without them.
 *
 * A further signal changes nothing: the drain is bounded already, and a supervisor that sends one
 * signal to a process whose group also got it (a terminal's Ctrl-C) must not cut it short.
 */
export function stopOnSignals(options: StopOptions): void {
  const { server, drain, settings, log } = options;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: draining (readiness 503, closing in ${settings.delayMs} ms)`);
    setTimeout(() => {
      log.warn(`requests still open after ${settings.timeoutMs} ms; exiting without them`);
      process.exit(1);
    }, settings.timeoutMs).unref();
    drain.begin();
    server.closeIdleConnections();
    void (async () => {
      if (settings.delayMs > 0)
        await new Promise((resolve) => setTimeout(resolve, settings.delayMs));
      await options.close();
      await options.cleanup?.();
      log.info("drained; exiting");
      process.exit(0);
    })().catch((error: unknown) => {
      log.warn(`stopping failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    });
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
