// The task API's timestamps read from PostgreSQL's text form with the year as stored.
import pg from "pg";
import { describe, expect, it } from "vitest";
import { inject } from "../../../tests/fixtures.ts";
import { parseTimestamptz } from "../src/instant.ts";

describe("parseTimestamptz", () => {
  it.each([
    ["0001-01-01 00:00:00+00", "0001-01-01T00:00:00.000Z"],
    ["0049-12-31 23:59:59.999+00", "0049-12-31T23:59:59.999Z"],
    ["0050-06-01 12:00:00.029+00", "0050-06-01T12:00:00.029Z"],
    ["0099-12-31 23:59:59.999+00", "0099-12-31T23:59:59.999Z"],
    ["0100-01-01 00:00:00+00", "0100-01-01T00:00:00.000Z"],
    ["2026-03-10 09:30:00.5+05:30", "2026-03-10T04:00:00.500Z"],
    ["0050-06-01 12:53:28+00:53:28", "0050-06-01T12:00:00.000Z"],
    ["2026-03-10 09:30:00.123456-03", "2026-03-10T12:30:00.123Z"],
    ["9999-12-31 23:59:59.999+00", "9999-12-31T23:59:59.999Z"],
  ])("reads %s as %s", (text, iso) => {
    expect(parseTimestamptz(text).toISOString()).toBe(iso);
  });

  it("reads a year before 1 (BC) and refuses what is not a timestamp", () => {
    expect(parseTimestamptz("0001-01-01 00:00:00+00 BC").getUTCFullYear()).toBe(0);
    expect(Number.isNaN(parseTimestamptz("yesterday").getTime())).toBe(true);
  });

  it("reads what PostgreSQL writes in any session time zone", async () => {
    const client = new pg.Client({ connectionString: inject("databaseAdminUrl") });
    await client.connect();
    try {
      for (const zone of ["UTC", "Europe/Berlin", "Asia/Kolkata", "America/St_Johns"]) {
        await client.query(`set time zone '${zone}'`);
        for (const iso of [
          "0001-01-01T00:00:00.000Z",
          "0050-06-01T12:00:00.029Z",
          "2026-03-10T04:00:00.500Z",
        ]) {
          const { rows } = await client.query<{ text: string }>(
            "select $1::timestamptz::text as text",
            [iso],
          );
          expect(parseTimestamptz(rows[0]?.text ?? "").toISOString(), rows[0]?.text).toBe(iso);
        }
      }
    } finally {
      await client.end();
    }
  });
});
