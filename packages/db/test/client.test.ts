import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createPool } from "../src/client.ts";
import { inject, useTestDatabase } from "../../../tests/fixtures.ts";

describe("a pool", () => {
  it("outlives an idle connection the server ends, and the next query opens another", async () => {
    const { url } = await useTestDatabase({ empty: true });
    const pool = createPool(url, { applicationName: "taskbridge-idle-test" });
    afterAll(() => pool.end());
    const { rows } = await pool.query<{ pid: number }>("select pg_backend_pid() as pid");
    const pid = rows[0]?.pid;
    // As a restart, a failover or a dropped database would: the server ends the idle connection.
    const admin = new pg.Client({ connectionString: inject("databaseAdminUrl") });
    await admin.connect();
    try {
      await admin.query("select pg_terminate_backend($1)", [pid]);
    } finally {
      await admin.end();
    }
    await expect.poll(() => pool.idleCount).toBe(0);
    const again = await pool.query<{ pid: number }>("select pg_backend_pid() as pid");
    expect(again.rows[0]?.pid).not.toBe(pid);
  });
});
