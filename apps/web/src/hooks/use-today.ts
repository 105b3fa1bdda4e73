"use client";
import { useEffect, useState } from "react";
import { addDays, dateAtNoon, localDate } from "@/lib/dates";

/** The person's local calendar date, moving on at their midnight while the board stays open. */
export function useToday(): string {
  const [today, setToday] = useState(() => localDate());
  useEffect(() => {
    const midnight = dateAtNoon(addDays(today, 1));
    midnight.setHours(0, 0, 1, 0);
    const timer = setTimeout(() => setToday(localDate()), midnight.getTime() - Date.now());
    // Timers sleep with a suspended laptop; a tab coming back checks the date again.
    const onVisible = () => setToday(localDate());
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [today]);
  return today;
}
