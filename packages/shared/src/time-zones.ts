// IANA time zone names, for the "Time zone" setting: checked and spelled the same way by the API
// and the account page (no zod here, so the page loads only this).

/** The zone of a person who has not chosen one. */
export const DEFAULT_TIME_ZONE = "UTC";

/** What an IANA name looks like (`UTC`, `Asia/Kolkata`, `America/Argentina/Buenos_Aires`). */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

/**
 * Zones that ICU (so Node.js and Chromium) still calls by a name the IANA database has since
 * replaced: a browser in India reports `Asia/Calcutta`. People know the current names, and so
 * does every CalDAV client.
 */
const RENAMED: Readonly<Record<string, string>> = {
  "Africa/Asmera": "Africa/Asmara",
  "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
  "America/Catamarca": "America/Argentina/Catamarca",
  "America/Coral_Harbour": "America/Atikokan",
  "America/Cordoba": "America/Argentina/Cordoba",
  "America/Godthab": "America/Nuuk",
  "America/Indianapolis": "America/Indiana/Indianapolis",
  "America/Jujuy": "America/Argentina/Jujuy",
  "America/Louisville": "America/Kentucky/Louisville",
  "America/Mendoza": "America/Argentina/Mendoza",
  "Asia/Calcutta": "Asia/Kolkata",
  "Asia/Katmandu": "Asia/Kathmandu",
  "Asia/Rangoon": "Asia/Yangon",
  "Asia/Saigon": "Asia/Ho_Chi_Minh",
  "Atlantic/Faeroe": "Atlantic/Faroe",
  "Europe/Kiev": "Europe/Kyiv",
  "Pacific/Enderbury": "Pacific/Kanton",
  "Pacific/Ponape": "Pacific/Pohnpei",
  "Pacific/Truk": "Pacific/Chuuk",
};

/** Whether this runtime's Intl knows `name` as a time zone. */
function knows(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** A zone's current IANA name (`Asia/Calcutta` → `Asia/Kolkata`); others as they are. */
export function currentZoneName(name: string): string {
  const renamed = RENAMED[name];
  return renamed !== undefined && knows(renamed) ? renamed : name;
}

/** Every zone this runtime knows, by current name, sorted; `UTC` among them. */
export function timeZones(): string[] {
  const zones = new Set(Intl.supportedValuesOf("timeZone").map(currentZoneName));
  zones.add(DEFAULT_TIME_ZONE);
  return [...zones].sort();
}

/**
 * The IANA time zone `name` names, by its current name and spelled as listed (`asia/tokyo` →
 * `Asia/Tokyo`, `Asia/Calcutta` → `Asia/Kolkata`), else as given; null when Intl does not know
 * it. Offsets such as `+05:30` are not zones.
 */
export function timeZoneName(name: string): string | null {
  if (name.length > 64 || !ZONE_NAME.test(name) || !knows(name)) return null;
  const lower = name.toLowerCase();
  const listed = [
    ...Intl.supportedValuesOf("timeZone"),
    DEFAULT_TIME_ZONE,
    ...Object.values(RENAMED),
  ];
  return currentZoneName(listed.find((zone) => zone.toLowerCase() === lower) ?? name);
}
