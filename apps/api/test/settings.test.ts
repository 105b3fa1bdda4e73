// The caller's settings (their time zone) over real HTTP, on a real database, with real signed
// tokens: UTC until set, set and read back, unknown zones refused, one user's apart from another's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { eq } from "drizzle-orm";
import { user } from "@taskbridge/db/schema";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { timeZoneOf } from "../src/repositories/settings.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { ApiClient, listen } from "./support/http.ts";

const database = await useTestDatabase();
let t: TestApp;
let origin: string;

beforeAll(async () => {
  t = await buildTestApp({ databaseUrl: database.url, mode: "hs256" });
  origin = await listen(t.app);
});
afterAll(() => t.close());

const SettingsSchema = z.strictObject({ time_zone: z.string(), time_zone_set: z.boolean() });
const PasswordSchema = z.object({ password: z.string() });

interface Person {
  id: string;
  api: ApiClient;
}

async function person(): Promise<Person> {
  const id = await t.createUser();
  const token = await t.tokenFor(id);
  return { id, api: new ApiClient(origin, () => token) };
}

const settingsOf = async (who: Person) =>
  (await who.api.expect(200, SettingsSchema, "GET", "/api/me/settings")).data;

const setZone = async (who: Person, zone: string) =>
  (await who.api.expect(200, SettingsSchema, "PATCH", "/api/me/settings", { time_zone: zone }))
    .data;

describe("settings", () => {
  it("are UTC, not set, for someone who has set nothing", async () => {
    const ada = await person();
    const answer = await ada.api.expect(200, SettingsSchema, "GET", "/api/me/settings");
    expect(answer.data).toEqual({ time_zone: "UTC", time_zone_set: false });
    expect(answer.headers.get("cache-control")).toBe("no-store");
    expect(await timeZoneOf(t.db, ada.id)).toBe("UTC");
  });

  it("keep the time zone set, and read it back", async () => {
    const ada = await person();
    expect(await setZone(ada, "Asia/Kolkata")).toEqual({
      time_zone: "Asia/Kolkata",
      time_zone_set: true,
    });
    expect(await settingsOf(ada)).toEqual({ time_zone: "Asia/Kolkata", time_zone_set: true });
    expect(await timeZoneOf(t.db, ada.id)).toBe("Asia/Kolkata");

    await setZone(ada, "America/Los_Angeles");
    expect(await settingsOf(ada)).toEqual({
      time_zone: "America/Los_Angeles",
      time_zone_set: true,
    });
    // UTC chosen is still a choice: the account page does not fill it in again.
    expect(await setZone(ada, "UTC")).toEqual({ time_zone: "UTC", time_zone_set: true });
    expect(await timeZoneOf(t.db, ada.id)).toBe("UTC");
  });

  it("spell a zone as listed, whatever its case", async () => {
    const ada = await person();
    expect((await setZone(ada, "europe/paris")).time_zone).toBe("Europe/Paris");
    expect((await setZone(ada, "utc")).time_zone).toBe("UTC");
    expect((await setZone(ada, "asia/kolkata")).time_zone).toBe("Asia/Kolkata");
  });

  it("keep a zone by its current name, as CalDAV clients know it", async () => {
    const ada = await person();
    // The names ICU still gives some zones (a browser in India says Asia/Calcutta).
    expect((await setZone(ada, "Asia/Calcutta")).time_zone).toBe("Asia/Kolkata");
    expect((await setZone(ada, "Europe/Kiev")).time_zone).toBe("Europe/Kyiv");
    expect(await timeZoneOf(t.db, ada.id)).toBe("Europe/Kyiv");
    // A link to another zone is a place of its own, and keeps its name.
    expect((await setZone(ada, "Europe/Oslo")).time_zone).toBe("Europe/Oslo");
  });

  it("refuse an unknown zone with 422 and leave the setting as it was", async () => {
    const ada = await person();
    await setZone(ada, "Europe/Berlin");
    for (const zone of ["Mars/Olympus_Mons", "+05:30", "", "Europe/Berlin; DROP", "x".repeat(65)]) {
      const problem = await ada.api.problem(422, "PATCH", "/api/me/settings", { time_zone: zone });
      expect(problem.errors).toEqual([
        { field: "time_zone", message: "Not a known IANA time zone" },
      ]);
      expect(problem.detail).toBe("Validation failed: time_zone: Not a known IANA time zone");
    }
    const wrongType = await ada.api.problem(422, "PATCH", "/api/me/settings", { time_zone: 5 });
    expect(wrongType.errors?.[0]?.field).toBe("time_zone");
    const unknownField = await ada.api.problem(422, "PATCH", "/api/me/settings", { theme: "dark" });
    expect(unknownField.errors?.length).toBe(1);
    expect(await settingsOf(ada)).toEqual({ time_zone: "Europe/Berlin", time_zone_set: true });
  });

  it("change nothing for an empty change", async () => {
    const ada = await person();
    expect(
      (await ada.api.expect(200, SettingsSchema, "PATCH", "/api/me/settings", {})).data,
    ).toEqual({ time_zone: "UTC", time_zone_set: false });
    expect(await settingsOf(ada)).toEqual({ time_zone: "UTC", time_zone_set: false });
  });

  it("are each person's own", async () => {
    const ada = await person();
    const bob = await person();
    await setZone(bob, "Pacific/Auckland");
    await setZone(ada, "Asia/Tokyo");
    expect(await settingsOf(bob)).toEqual({ time_zone: "Pacific/Auckland", time_zone_set: true });
    expect(await timeZoneOf(t.db, bob.id)).toBe("Pacific/Auckland");
    const carol = await person();
    expect(await settingsOf(carol)).toEqual({ time_zone: "UTC", time_zone_set: false });
    expect(await settingsOf(ada)).toEqual({ time_zone: "Asia/Tokyo", time_zone_set: true });
  });

  it("need a token: 401 without one", async () => {
    for (const method of ["GET", "PATCH"]) {
      const response = await fetch(`${origin}/api/me/settings`, {
        method,
        headers: { "content-type": "application/json" },
        ...(method === "PATCH" ? { body: JSON.stringify({ time_zone: "UTC" }) } : {}),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
    const refused = new ApiClient(origin, () => "not-a-token");
    await refused.problem(401, "PATCH", "/api/me/settings", { time_zone: "UTC" });
  });

  it("are read, not changed, with a read-only app password", async () => {
    const ada = await person();
    await setZone(ada, "Europe/Lisbon");
    const { password } = (
      await ada.api.expect(201, PasswordSchema, "POST", "/api/app-passwords", {
        name: "Calendar viewer",
        scope: "read_only",
      })
    ).data;
    const reader = new ApiClient(origin, () => password);
    expect((await reader.expect(200, SettingsSchema, "GET", "/api/me/settings")).data).toEqual({
      time_zone: "Europe/Lisbon",
      time_zone_set: true,
    });
    const problem = await reader.problem(403, "PATCH", "/api/me/settings", {
      time_zone: "Asia/Kolkata",
    });
    expect(problem.detail).toBe("This app password can only read");
    expect(await settingsOf(ada)).toEqual({ time_zone: "Europe/Lisbon", time_zone_set: true });
  });

  it("answer 401 to a still-valid token of a deleted user", async () => {
    const ada = await person();
    await t.db.delete(user).where(eq(user.id, ada.id));
    const problem = await ada.api.problem(401, "PATCH", "/api/me/settings", {
      time_zone: "Asia/Kolkata",
    });
    expect(problem.detail).toBe("User no longer exists");
  });

  it("are in the OpenAPI document", async () => {
    const document = (await (await fetch(`${origin}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(Object.keys(document.paths["/api/me/settings"] ?? {}).sort()).toEqual(["get", "patch"]);
    expect(JSON.stringify(document.paths["/api/me/settings"]?.patch?.requestBody)).toContain(
      "#/components/schemas/SettingsUpdate",
    );
    expect(Object.keys(document.components.schemas.Settings?.properties ?? {}).sort()).toEqual([
      "time_zone",
      "time_zone_set",
    ]);
  });
});
