"use client";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useMemo } from "react";
import { readBoardParams, writeBoardParams, type Filters, type View } from "@/lib/views";

/** The board's view and filters live in the URL, so reload, back and a shared link keep them. */
export function useBoardUrl() {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const { view, filters, list } = useMemo(
    () => readBoardParams(new URLSearchParams(params.toString())),
    [params],
  );
  const setFilters = useCallback(
    (next: Filters) =>
      // Typing in a filter replaces the entry rather than adding one per keystroke.
      router.replace(`${pathname}?${writeBoardParams(view, next, list)}`, { scroll: false }),
    [router, pathname, view, list],
  );
  // A view leaves the open list; a list keeps the view it was opened from, and the filters.
  const viewHref = useCallback(
    (next: View) => `${pathname}?${writeBoardParams(next, filters)}`,
    [pathname, filters],
  );
  const listHref = useCallback(
    (id: string) => `${pathname}?${writeBoardParams(view, filters, id)}`,
    [pathname, view, filters],
  );
  return { view, filters, list, setFilters, viewHref, listHref };
}
