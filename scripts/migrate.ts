// `npm run db:migrate`: applies the committed migrations to DATABASE_URL, or to the embedded
// PostgreSQL (started for the occasion) when DATABASE_URL is not set.
import path from "node:path";
import { startEmbeddedPostgres, EmbeddedPostgresError } from "@taskbridge/db/embedded";
import { migrateDatabase } from "@taskbridge/db/migrate";
import { dataDir, localSecrets, readStackEnv, StartError } from "./lib/stack-env.ts";

async function main() {
  const env = readStackEnv();
  if (env.DATABASE_URL) {
    await migrateDatabase(env.DATABASE_URL);
    console.log("Migrations applied.");
    return;
  }
  const { embeddedPgPassword } = await localSecrets();
  const pg = await startEmbeddedPostgres({
    dataDir: path.join(dataDir, "postgres"),
    port: env.EMBEDDED_PG_PORT,
    password: embeddedPgPassword,
    database: "taskbridge",
  });
  try {
    await migrateDatabase(pg.url);
    console.log("Migrations applied to the embedded PostgreSQL.");
  } finally {
    await pg.stop();
  }
}

main().catch((error: unknown) => {
  const known = error instanceof StartError || error instanceof EmbeddedPostgresError;
  console.error(
    known
      ? error.message
      : `Migration failed: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
