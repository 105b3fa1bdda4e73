import { afterAll, inject } from "vitest";
import { createTestDatabase, type TestDatabase } from "./database.ts";

/** A migrated database of this test file's own, dropped when the file's tests end. */
export async function useTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const database = await createTestDatabase(inject("databaseAdminUrl"), options);
  afterAll(() => database.drop());
  return database;
}

export { inject };
