// Wall clocks in IANA zones, and the VTIMEZONE of a zone, as CalDAV reads and writes them.
import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { instantOf, vtimezoneOf, wallClockIn } from "../src/lib/zones.ts";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe("wallClockIn", () => {
  it("reads an instant's date and time in a zone", () => {
    expect(wallClockIn(at("2026-12-05T18:30:00Z"), "Asia/Kolkata")).toEqual({
      date: "2026-12-06",
      time: "00:00",
    });
    expect(wallClockIn(at("2026-12-05T18:29:59.999Z"), "Asia/Kolkata")).toEqual({
      date: "2026-12-05",
      time: "23:59",
    });
    expect(wallClockIn(at("2026-01-01T00:00:00Z"), "UTC")).toEqual({
      date: "2026-01-01",
      time: "00:00",
    });
    expect(wallClockIn(at("2026-01-01T05:45:00Z"), "Asia/Kathmandu")).toEqual({
      date: "2026-01-01",
      time: "11:30",
    });
    expect(wallClockIn(at("2026-07-01T03:00:00Z"), "America/Los_Angeles")).toEqual({
      date: "2026-06-30",
      time: "20:00",
    });
  });

  it("follows America/Los_Angeles across its DST changes", () => {
    // 2026-03-08: 02:00 PST becomes 03:00 PDT (10:00Z).
    expect(wallClockIn(at("2026-03-08T09:59:00Z"), "America/Los_Angeles").time).toBe("01:59");
    expect(wallClockIn(at("2026-03-08T10:00:00Z"), "America/Los_Angeles").time).toBe("03:00");
    // 2026-11-01: 02:00 PDT becomes 01:00 PST (09:00Z); 01:30 happens twice.
    expect(wallClockIn(at("2026-11-01T08:30:00Z"), "America/Los_Angeles").time).toBe("01:30");
    expect(wallClockIn(at("2026-11-01T09:30:00Z"), "America/Los_Angeles").time).toBe("01:30");
    expect(wallClockIn(at("2026-11-01T10:00:00Z"), "America/Los_Angeles").time).toBe("02:00");
  });

  it("writes midnight as 00:00 and pads early years", () => {
    expect(wallClockIn(at("2026-06-01T00:00:00Z"), "Europe/London")).toEqual({
      date: "2026-06-01",
      time: "01:00",
    });
    const early = new Date(0);
    early.setUTCFullYear(99, 0, 1);
    expect(wallClockIn(early.getTime(), "UTC")).toEqual({ date: "0099-01-01", time: "00:00" });
  });

  it("throws for an unknown zone", () => {
    expect(() => wallClockIn(0, "Mars/Olympus_Mons")).toThrow(RangeError);
  });
});

describe("instantOf", () => {
  it("is the instant of a wall clock in a zone", () => {
    expect(iso(instantOf("2026-12-06", "00:00", "Asia/Kolkata"))).toBe("2026-12-05T18:30:00.000Z");
    expect(iso(instantOf("2026-01-15", "09:30", "UTC"))).toBe("2026-01-15T09:30:00.000Z");
    expect(iso(instantOf("2026-07-04", "12:00", "America/Los_Angeles"))).toBe(
      "2026-07-04T19:00:00.000Z",
    );
    expect(iso(instantOf("2026-01-04", "12:00", "America/Los_Angeles"))).toBe(
      "2026-01-04T20:00:00.000Z",
    );
    expect(iso(instantOf("2026-02-28", "23:59:30", "Pacific/Auckland"))).toBe(
      "2026-02-28T10:59:30.000Z",
    );
  });

  it("moves a time in a DST gap forward by the gap", () => {
    // America/Los_Angeles skips 02:00-02:59 on 2026-03-08.
    expect(iso(instantOf("2026-03-08", "02:30", "America/Los_Angeles"))).toBe(
      "2026-03-08T10:30:00.000Z",
    );
    expect(
      wallClockIn(instantOf("2026-03-08", "02:30", "America/Los_Angeles"), "America/Los_Angeles"),
    ).toEqual({ date: "2026-03-08", time: "03:30" });
    expect(iso(instantOf("2026-03-08", "02:00", "America/Los_Angeles"))).toBe(
      "2026-03-08T10:00:00.000Z",
    );
    expect(iso(instantOf("2026-03-08", "03:00", "America/Los_Angeles"))).toBe(
      "2026-03-08T10:00:00.000Z",
    );
    expect(iso(instantOf("2026-03-08", "01:59", "America/Los_Angeles"))).toBe(
      "2026-03-08T09:59:00.000Z",
    );
    // Europe/London skips 01:00-01:59 on 2026-03-29.
    expect(iso(instantOf("2026-03-29", "01:15", "Europe/London"))).toBe("2026-03-29T01:15:00.000Z");
    // Samoa skipped all of 2011-12-30.
    expect(wallClockIn(instantOf("2011-12-30", "10:00", "Pacific/Apia"), "Pacific/Apia")).toEqual({
      date: "2011-12-31",
      time: "10:00",
    });
  });

  it("takes the earlier of a time that happens twice", () => {
    // 01:30 on 2026-11-01 in Los Angeles is 08:30Z (PDT) and 09:30Z (PST).
    expect(iso(instantOf("2026-11-01", "01:30", "America/Los_Angeles"))).toBe(
      "2026-11-01T08:30:00.000Z",
    );
    expect(iso(instantOf("2026-11-01", "02:00", "America/Los_Angeles"))).toBe(
      "2026-11-01T10:00:00.000Z",
    );
    expect(iso(instantOf("2026-11-01", "00:59", "America/Los_Angeles"))).toBe(
      "2026-11-01T07:59:00.000Z",
    );
  });

  it("round-trips every hour of a year with DST changes both ways", () => {
    const zones = ["America/Los_Angeles", "Europe/Berlin", "Australia/Lord_Howe"];
    for (const zone of zones) {
      const wrong: string[] = [];
      for (let ms = at("2026-01-01T00:00:00Z"); ms < at("2027-01-01T00:00:00Z"); ms += 3_600_000) {
        const { date, time } = wallClockIn(ms, zone);
        const back = instantOf(date, time, zone);
        // The same wall clock, and the same instant unless the wall clock happens twice.
        const again = wallClockIn(back, zone);
        if (again.date !== date || again.time !== time || back > ms)
          wrong.push(`${zone} ${iso(ms)} → ${date} ${time} → ${iso(back)}`);
      }
      expect(wrong).toEqual([]);
    }
  });

  it("throws for a malformed date, time or zone", () => {
    expect(() => instantOf("2026-02-30", "10:00", "UTC")).toThrow(RangeError);
    expect(() => instantOf("2026-12-06", "24:00", "UTC")).toThrow(RangeError);
    expect(() => instantOf("06/12/2026", "10:00", "UTC")).toThrow(RangeError);
    expect(() => instantOf("2026-12-06", "10:00", "Mars/Olympus_Mons")).toThrow(RangeError);
  });
});

describe("vtimezoneOf", () => {
  it("is the VTIMEZONE of a zone, which ical.js reads and converts with", () => {
    const text = vtimezoneOf("America/Los_Angeles");
    expect(text).not.toBeNull();
    if (text === null) return;
    expect(text).toMatch(/^BEGIN:VTIMEZONE\r\n/);
    expect(text).toContain("\r\nTZID:America/Los_Angeles\r\n");
    expect(text).toMatch(/END:VTIMEZONE$/);

    const calendar = ICAL.Component.fromString(
      [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Taskbridge//Test//EN",
        text,
        "BEGIN:VTODO",
        "UID:zone-test",
        "DTSTAMP:20260101T000000Z",
        "DUE;TZID=America/Los_Angeles:20260704T120000",
        "END:VTODO",
        "END:VCALENDAR",
      ].join("\r\n"),
    );
    const vtimezone = calendar.getFirstSubcomponent("vtimezone");
    expect(vtimezone?.getFirstPropertyValue("tzid")).toBe("America/Los_Angeles");
    expect(vtimezone?.getAllSubcomponents("daylight")).toHaveLength(1);
    expect(vtimezone?.getAllSubcomponents("standard")).toHaveLength(1);
    if (!vtimezone) return;
    const zone = new ICAL.Timezone(vtimezone);
    const due = calendar.getFirstSubcomponent("vtodo")?.getFirstPropertyValue("due");
    if (!(due instanceof ICAL.Time)) throw new Error("no DUE");
    due.zone = zone;
    expect(due.toUnixTime() * 1000).toBe(at("2026-07-04T19:00:00Z"));
    expect(due.toUnixTime() * 1000).toBe(instantOf("2026-07-04", "12:00", "America/Los_Angeles"));
    const winter = ICAL.Time.fromData({ year: 2026, month: 1, day: 4, hour: 12, minute: 0 }, zone);
    expect(winter.toUnixTime() * 1000).toBe(
      instantOf("2026-01-04", "12:00", "America/Los_Angeles"),
    );
  });

  it("names the zone as asked, links included", () => {
    const text = vtimezoneOf("Asia/Calcutta");
    expect(text).toContain("\r\nTZID:Asia/Calcutta\r\n");
    expect(text).toContain("TZOFFSETTO:+0530");
    expect(vtimezoneOf("Asia/Kolkata")).toContain("\r\nTZID:Asia/Kolkata\r\n");
    expect(vtimezoneOf("UTC")).toContain("\r\nTZID:UTC\r\n");
  });

  it("is null for a zone it does not know", () => {
    expect(vtimezoneOf("Mars/Olympus_Mons")).toBeNull();
    expect(vtimezoneOf("")).toBeNull();
    expect(vtimezoneOf("+05:30")).toBeNull();
  });
});
