"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { useApi } from "@/components/providers";
import { calendarFeed, resetCalendarFeed, turnOffCalendarFeed } from "@/lib/account-api";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { SectionOutcome } from "@/components/section-outcome";

const feedKey = ["calendar-feed"] as const;

/**
 * The calendar feed on the account page: a secret address calendar apps subscribe to, with
 * "Copy link", "Reset link" (the old address stops working at once) and "Turn off".
 */
export function CalendarFeed() {
  const api = useApi();
  const queryClient = useQueryClient();
  const field = useRef<HTMLInputElement>(null);
  const [note, setNote] = useState("");
  const [confirming, setConfirming] = useState(false);
  const feed = useQuery({ queryKey: feedKey, queryFn: () => calendarFeed(api) });
  const reset = useMutation({
    mutationFn: () => resetCalendarFeed(api),
    onSuccess: (url) => {
      queryClient.setQueryData(feedKey, url);
      setConfirming(false);
      setNote(feed.data ? "A new link is made: the old one no longer works." : "");
    },
  });
  const off = useMutation({
    mutationFn: () => turnOffCalendarFeed(api),
    onSuccess: () => {
      queryClient.setQueryData(feedKey, null);
      setNote("The calendar feed is off: its link no longer works.");
    },
  });
  const url = feed.data ?? null;
  const busy = reset.isPending || off.isPending;
  const failure = feed.error ?? reset.error ?? off.error;

  async function copy() {
    if (!url) return;
    try {
      await navigator.clipboard.writeText(url);
      setNote("Link copied");
    } catch {
      // No clipboard (an insecure origin, a refused permission): the link is selected instead.
      field.current?.focus();
      field.current?.select();
      setNote("Copying did not work: the link is selected, press Ctrl+C (⌘C on a Mac).");
    }
  }

  return (
    <Card aria-labelledby="calendar-feed-heading">
      <h2 id="calendar-feed-heading" className="mb-1 font-semibold">
        Calendar feed
      </h2>
      <p className="mb-3 text-sm text-muted-foreground">
        Your pending tasks with a due date, as events in any calendar app that subscribes to a link
        (Google Calendar, Outlook, your phone&apos;s calendar). Anyone with the link can read them:
        share it only with your calendar.
      </p>
      {feed.isPending ? (
        <p className="text-sm text-muted-foreground" aria-busy="true">
          Loading…
        </p>
      ) : url === null ? (
        <Button type="button" disabled={busy} onClick={() => reset.mutate()}>
          Make a feed link
        </Button>
      ) : (
        <div className="grid gap-3">
          <Input
            ref={field}
            readOnly
            value={url}
            aria-label="Calendar feed link"
            onFocus={(event) => event.currentTarget.select()}
          />
          <div className="flex flex-wrap gap-2">
            <Button type="button" onClick={() => void copy()}>
              Copy link
            </Button>
            {confirming ? (
              <>
                <Button
                  type="button"
                  variant="destructive"
                  disabled={busy}
                  onClick={() => reset.mutate()}
                >
                  Reset link now
                </Button>
                <Button type="button" variant="outline" onClick={() => setConfirming(false)}>
                  Keep this link
                </Button>
              </>
            ) : (
              <Button type="button" variant="outline" onClick={() => setConfirming(true)}>
                Reset link
              </Button>
            )}
            <Button type="button" variant="ghost" disabled={busy} onClick={() => off.mutate()}>
              Turn off
            </Button>
          </div>
          {confirming ? (
            <p className="text-sm">Calendars subscribed to the current link will stop updating.</p>
          ) : null}
        </div>
      )}
      <SectionOutcome note={note} failure={failure} />
    </Card>
  );
}
