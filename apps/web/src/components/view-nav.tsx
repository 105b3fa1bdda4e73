"use client";
import Link from "next/link";
import type { TaskStatsAnswer } from "@taskbridge/shared/task-mini";
import { VIEW_LABELS, VIEWS, type View } from "@/lib/views";
import { cn } from "@/lib/utils";

const COUNT_OF: Record<View, keyof TaskStatsAnswer> = {
  today: "today",
  upcoming: "upcoming",
  all: "all",
  completed: "completed",
};

/**
 * The views, each with its count; the current one marked for assistive technology too (none
 * while a list is open).
 */
export function ViewNav({
  view,
  stats,
  hrefOf,
}: {
  view: View | null;
  stats: TaskStatsAnswer | undefined;
  hrefOf: (view: View) => string;
}) {
  return (
    <nav aria-label="Views">
      {/* Four equal tabs on a phone, so all four fit at 360 px; a row of links above that, and a
          column in the sidebar of a wide screen. */}
      <ul className="grid grid-cols-4 gap-1 sm:flex lg:grid lg:grid-cols-1">
        {VIEWS.map((name) => {
          const count = stats?.[COUNT_OF[name]];
          const overdue = name === "today" && (stats?.overdue ?? 0) > 0;
          return (
            <li key={name}>
              <Link
                href={hrefOf(name)}
                scroll={false}
                aria-current={name === view ? "page" : undefined}
                className={cn(
                  "flex min-h-11 flex-col items-center justify-center gap-0.5 rounded-md px-1 text-sm font-medium sm:min-h-10 sm:flex-row sm:gap-2 sm:px-3 lg:justify-between hover:bg-accent focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring pointer-coarse:min-h-11",
                  name === view && "bg-accent",
                )}
              >
                {VIEW_LABELS[name]}
                <span
                  className={cn(
                    "min-w-6 rounded-full px-1.5 text-center text-xs tabular-nums",
                    overdue
                      ? "bg-destructive text-destructive-foreground"
                      : "bg-muted text-muted-foreground",
                  )}
                >
                  {count ?? "…"}
                </span>
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
