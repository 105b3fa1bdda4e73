import { eq, sql } from "drizzle-orm";
import type { Database } from "@taskbridge/db/client";
import { userSetting } from "@taskbridge/db/schema";
import { DEFAULT_TIME_ZONE, type Settings } from "@taskbridge/shared/settings";

/** A person's settings, with the defaults of one who has set none (no row yet). */
export class SettingsRepository {
  constructor(private readonly db: Database) {}

  async of(userId: string): Promise<Settings> {
    const [row] = await this.db
      .select({ timeZone: userSetting.timeZone })
      .from(userSetting)
      .where(eq(userSetting.userId, userId));
    return row
      ? { time_zone: row.timeZone, time_zone_set: true }
      : { time_zone: DEFAULT_TIME_ZONE, time_zone_set: false };
  }

  /** Sets the person's time zone (an IANA name already checked) and answers their settings. */
  async setTimeZone(userId: string, timeZone: string): Promise<Settings> {
    await this.db
      .insert(userSetting)
      .values({ userId, timeZone })
      .onConflictDoUpdate({
        target: userSetting.userId,
        set: { timeZone, updatedAt: sql`now()` },
      });
    return { time_zone: timeZone, time_zone_set: true };
  }
}

/**
 * The IANA time zone a person's dates and times are read and written in: their "Time zone"
 * setting, or `UTC` until they set one.
 */
export async function timeZoneOf(db: Database, userId: string): Promise<string> {
  return (await new SettingsRepository(db).of(userId)).time_zone;
}
