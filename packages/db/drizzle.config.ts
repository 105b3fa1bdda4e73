import { defineConfig } from "drizzle-kit";

// Used only to generate SQL migrations from schema.ts; they are applied by `npm run db:migrate`.
export default defineConfig({
  dialect: "postgresql",
  schema: "./packages/db/src/schema.ts",
  out: "./packages/db/migrations",
});
