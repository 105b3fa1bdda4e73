"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import { currentZoneName, timeZones } from "@taskbridge/shared/time-zones";
import { useApi } from "@/components/providers";
import { Card } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Select } from "@/components/ui/input";
import { setTimeZone, settings, type Settings } from "@/lib/account-api";
import { SectionOutcome } from "@/components/section-outcome";

const settingsKey = ["settings"] as const;

/** The browser's own time zone by its current name, or null when it does not say. */
function browserZone(): string | null {
  try {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    return zone ? currentZoneName(zone) : null;
  } catch {
    return null;
  }
}

/** The zones to choose from, grouped by region (`America`, `Asia`, …), `UTC` apart. */
function zoneGroups(current: string): [string, string[]][] {
  const zones = new Set(timeZones());
  zones.add(current);
  zones.delete("UTC");
  const groups = new Map<string, string[]>();
  for (const zone of [...zones].sort()) {
    const region = zone.includes("/") ? (zone.split("/")[0] ?? "Other") : "Other";
    groups.set(region, [...(groups.get(region) ?? []), zone]);
  }
  return [...groups];
}

/** `America/Argentina/Buenos_Aires` as people read it. */
const zoneLabel = (zone: string) => zone.replaceAll("_", " ");

/** The time now in `zone`, e.g. "14:05"; empty for a zone this browser does not know. */
function timeIn(zone: string): string {
  try {
    return new Intl.DateTimeFormat(undefined, { timeZone: zone, timeStyle: "short" }).format();
  } catch {
    return "";
  }
}

/**
 * The "Time zone" setting on the account page: the zone due dates and times are read and
 * written in when a tasks app syncs over CalDAV. Until the person chooses one it is UTC, so on
 * the first visit it is filled from the browser's own zone and saved.
 */
export function TimeZoneSetting() {
  const api = useApi();
  const queryClient = useQueryClient();
  const [note, setNote] = useState("");
  const filled = useRef(false);
  const current = useQuery({ queryKey: settingsKey, queryFn: () => settings(api) });
  const saved = (answer: Settings) => queryClient.setQueryData(settingsKey, answer);
  const save = useMutation({
    mutationFn: (zone: string) => setTimeZone(api, zone),
    onSuccess: (answer) => {
      saved(answer);
      setNote(`Time zone saved: ${zoneLabel(answer.time_zone)}`);
    },
  });
  // From the browser, once, when nothing is set yet; a zone the API does not know stays UTC
  // quietly (the person can still choose one).
  const fill = useMutation({
    mutationFn: (zone: string) => setTimeZone(api, zone),
    onSuccess: (answer) => {
      saved(answer);
      setNote(`Time zone set from this browser: ${zoneLabel(answer.time_zone)}`);
    },
  });

  const data = current.data;
  const { mutate: fillFromBrowser } = fill;
  useEffect(() => {
    if (!data || data.time_zone_set || filled.current) return;
    filled.current = true;
    const zone = browserZone();
    if (zone) fillFromBrowser(zone);
  }, [data, fillFromBrowser]);

  const zone = (save.isPending ? save.variables : undefined) ?? data?.time_zone ?? "UTC";
  const groups = useMemo(() => (data ? zoneGroups(zone) : []), [data, zone]);
  const failure = current.error ?? save.error;

  return (
    <Card aria-labelledby="time-zone-heading">
      <h2 id="time-zone-heading" className="mb-1 font-semibold">
        Time zone
      </h2>
      <p className="mb-3 text-sm text-muted-foreground">
        Due dates and times are read and written in this zone when your phone&apos;s or
        computer&apos;s tasks app syncs with Taskbridge (CalDAV).
      </p>
      {current.isPending ? (
        <p className="text-sm text-muted-foreground" aria-busy="true">
          Loading…
        </p>
      ) : data ? (
        <Field
          label="Time zone"
          hint={timeIn(zone) ? `It is ${timeIn(zone)} there now.` : undefined}
          className="max-w-sm"
        >
          {(control) => (
            <Select
              {...control}
              name="time_zone"
              value={zone}
              disabled={save.isPending || fill.isPending}
              onChange={(event) => {
                setNote("");
                save.mutate(event.currentTarget.value);
              }}
            >
              <option value="UTC">UTC</option>
              {groups.map(([region, zones]) => (
                <optgroup key={region} label={region}>
                  {zones.map((name) => (
                    <option key={name} value={name}>
                      {zoneLabel(name)}
                    </option>
                  ))}
                </optgroup>
              ))}
            </Select>
          )}
        </Field>
      ) : null}
      <SectionOutcome note={note} failure={failure} />
    </Card>
  );
}
