import * as z from "zod/mini";
import type { ApiClient } from "./api-client.ts";

// The account page's own calls: settings, the calendar feed and app passwords. They go through the API
// client's `transfer`, and their answers are read here, so that these schemas load with the
// account page and never with the board.

/** An app password as listed (never the password itself). */
export interface AppPassword {
  id: string;
  name: string;
  scope: "read_write" | "read_only";
  created_at: string;
  last_used_at: string | null;
}

const AppPasswordSchema = z.object({
  id: z.string(),
  name: z.string(),
  scope: z.enum(["read_write", "read_only"]),
  created_at: z.string(),
  last_used_at: z.nullable(z.string()),
});
const AppPasswordMadeSchema = z.extend(AppPasswordSchema, { password: z.string() });
const FeedSchema = z.object({ url: z.nullable(z.string()) });
const SettingsSchema = z.object({ time_zone: z.string(), time_zone_set: z.boolean() });

/** The person's settings: their time zone (`UTC`, not set, until they choose one). */
export type Settings = z.infer<typeof SettingsSchema>;

async function json(response: Promise<Response>): Promise<unknown> {
  return (await response).json();
}

const asJson = (value: unknown) => ({ body: JSON.stringify(value), type: "application/json" });

export async function settings(api: ApiClient): Promise<Settings> {
  return z.parse(SettingsSchema, await json(api.transfer("GET", "/api/me/settings")));
}

/** Sets the person's time zone (an IANA name); an unknown one is refused with a 422. */
export async function setTimeZone(api: ApiClient, timeZone: string): Promise<Settings> {
  const answer = await json(
    api.transfer("PATCH", "/api/me/settings", asJson({ time_zone: timeZone })),
  );
  return z.parse(SettingsSchema, answer);
}

/** The calendar feed's secret address, or null while it is off. */
export async function calendarFeed(api: ApiClient): Promise<string | null> {
  return z.parse(FeedSchema, await json(api.transfer("GET", "/api/calendar-feed"))).url;
}

/** A new address for the calendar feed; the old one stops working. */
export async function resetCalendarFeed(api: ApiClient): Promise<string | null> {
  return z.parse(FeedSchema, await json(api.transfer("POST", "/api/calendar-feed"))).url;
}

export async function turnOffCalendarFeed(api: ApiClient): Promise<void> {
  await api.transfer("DELETE", "/api/calendar-feed");
}

export async function appPasswords(api: ApiClient): Promise<AppPassword[]> {
  return z.parse(z.array(AppPasswordSchema), await json(api.transfer("GET", "/api/app-passwords")));
}

/** A new app password; the answer holds the password, which is never shown again. */
export async function createAppPassword(
  api: ApiClient,
  name: string,
  scope: AppPassword["scope"],
): Promise<AppPassword & { password: string }> {
  const answer = await json(api.transfer("POST", "/api/app-passwords", asJson({ name, scope })));
  return z.parse(AppPasswordMadeSchema, answer);
}

export async function revokeAppPassword(api: ApiClient, id: string): Promise<void> {
  await api.transfer("DELETE", `/api/app-passwords/${encodeURIComponent(id)}`);
}
