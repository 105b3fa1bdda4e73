import { z } from "zod";
import { timeZoneName } from "./time-zones.ts";

export { DEFAULT_TIME_ZONE } from "./time-zones.ts";

// A person's settings as the API answers and takes them: for now their time zone, in which
// CalDAV reads and writes due dates and times (its names are checked in `./time-zones.ts`).

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
