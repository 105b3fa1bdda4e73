import { z } from "zod";

// A person's settings: for now their time zone, in which CalDAV reads and writes due dates and
// times. Shared by the API (which checks what it is sent) and the account page.

/** The zone of a person who has not chosen one. */
export const DEFAULT_TIME_ZONE = "UTC";

/** What an IANA name looks like (`UTC`, `Asia/Kolkata`, `America/Argentina/Buenos_Aires`). */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

/**
 * The IANA time zone `name` names, spelled as Intl lists it when it lists it (`asia/tokyo` →
 * `Asia/Tokyo`), else as given; null when Intl does not know it. Offsets such as `+05:30` are
 * not zones.
 */
export function timeZoneName(name: string): string | null {
  if (name.length > 64 || !ZONE_NAME.test(name)) return null;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
  } catch {
    return null;
  }
  if (name.toUpperCase() === DEFAULT_TIME_ZONE) return DEFAULT_TIME_ZONE;
  const lower = name.toLowerCase();
  return Intl.supportedValuesOf("timeZone").find((zone) => zone.toLowerCase() === lower) ?? name;
}

export const TimeZoneSchema = z
  .string()
  .transform((name, context) => {
    const zone = timeZoneName(name);
    if (zone === null) {
      context.addIssue({ code: "custom", message: "Not a known IANA time zone", input: name });
      return z.NEVER;
    }
    return zone;
  })
  .describe("An IANA time zone, e.g. `Europe/Paris`, `Asia/Kolkata` or `UTC`");

export const SettingsSchema = z
  .object({
    time_zone: z
      .string()
      .describe(
        "The IANA time zone CalDAV reads and writes due dates and times in; `UTC` until set",
      ),
    time_zone_set: z
      .boolean()
      .describe(
        "Whether the person has set it (the account page fills it from the browser if not)",
      ),
  })
  .meta({ id: "Settings" });
export type Settings = z.infer<typeof SettingsSchema>;

export const SettingsUpdateSchema = z
  .strictObject({ time_zone: TimeZoneSchema.optional() })
  .meta({ id: "SettingsUpdate" });
export type SettingsUpdate = z.infer<typeof SettingsUpdateSchema>;
