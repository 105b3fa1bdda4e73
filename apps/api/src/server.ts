import closeWithGrace from "close-with-grace";
import { createDb, createPool } from "@taskbridge/db/client";
import { stopOnSignals } from "@taskbridge/shared/drain";
import { buildApp } from "./app.ts";
import { errorCode } from "./plugins/errors.ts";
import { ConfigError, loadConfig } from "./env.ts";

async function main() {
  const config = loadConfig();
  const pool = createPool(config.databaseUrl, {
    max: config.dbPoolMax,
    applicationName: "taskbridge-api",
  });
  const app = await buildApp({ config, pool, db: createDb(pool) });
  // An idle connection that dies (database restart) must not crash the process.
  pool.on("error", (error) =>
    app.log.warn({ code: errorCode(error) }, "idle database connection lost"),
  );

  // SIGTERM and SIGINT drain (readiness 503, streams and idle connections closed, in-flight
  // requests answered), then the process exits; see @taskbridge/shared/drain.
  stopOnSignals({
    server: app.server,
    drain: app.drain,
    settings: config.drain,
    // close() stops accepting, waits for in-flight requests, then runs onClose hooks.
    close: () => app.close(),
    cleanup: () => pool.end(),
    log: {
      info: (message) => app.log.info(message),
      warn: (message) => app.log.warn(message),
    },
  });
  // An error nothing caught: stop as gracefully as the process still can.
  closeWithGrace(
    {
      delay: config.drain.timeoutMs,
      skip: ["SIGHUP", "SIGINT", "SIGTERM", "SIGUSR2", "SIGQUIT"],
    },
    async ({ err }) => {
      if (err) app.log.error({ err }, "shutting down after an error");
      await app.close();
      await pool.end();
    },
  );

  await app.listen({ port: config.port, host: config.host });
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error(
      `The task API could not start: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  process.exit(1);
});
