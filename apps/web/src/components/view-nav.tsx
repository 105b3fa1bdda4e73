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

/** The views, each with its count; the current one marked for assistive technology too. */
export function ViewNav({
  view,
  stats,
  hrefOf,
}: {
  view: View;
  stats: TaskStatsAnswer | undefined;
  hrefOf: (view: View) => string;
}) {
  return (
    <nav aria-label="Views" className="-mx-1 overflow-x-auto">
      <ul className="flex gap-1 px-1">
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
                  "inline-flex min-h-10 items-center gap-2 rounded-md px-3 text-sm font-medium hover:bg-accent focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring pointer-coarse:min-h-11",
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
