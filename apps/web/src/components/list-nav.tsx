"use client";
import { Inbox, Users } from "lucide-react";
import Link from "next/link";
import type { ListAnswer } from "@taskbridge/shared/list-mini";
import { cn } from "@/lib/utils";

/** The swatch of each list colour: one class per colour, so Tailwind keeps them all. */
export const LIST_SWATCH: Record<ListAnswer["color"], string> = {
  gray: "bg-zinc-500",
  red: "bg-red-600",
  orange: "bg-orange-500",
  yellow: "bg-yellow-400",
  green: "bg-green-600",
  teal: "bg-teal-600",
  blue: "bg-blue-600",
  purple: "bg-purple-600",
  pink: "bg-pink-500",
};

export function ListSwatch({
  color,
  className,
}: {
  color: ListAnswer["color"];
  className?: string;
}) {
  return (
    <span
      aria-hidden
      className={cn("size-2.5 shrink-0 rounded-full", LIST_SWATCH[color], className)}
    />
  );
}

/** Whether the list is shared: the caller is not its only member. */
export const isShared = (list: ListAnswer) => list.member_count > 1 || list.role !== "owner";

function ListLink({
  list,
  current,
  href,
  onNavigate,
}: {
  list: ListAnswer;
  current: boolean;
  href: string;
  onNavigate?: () => void;
}) {
  return (
    <Link
      href={href}
      scroll={false}
      onClick={onNavigate}
      aria-current={current ? "page" : undefined}
      className={cn(
        "flex min-h-10 items-center gap-2 rounded-md px-3 text-sm hover:bg-accent focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring pointer-coarse:min-h-11",
        current && "bg-accent font-medium",
      )}
    >
      {list.is_inbox ? (
        <Inbox aria-hidden className="size-4 shrink-0 text-muted-foreground" />
      ) : (
        <ListSwatch color={list.color} className="mx-0.75" />
      )}
      <span className="grid min-w-0 flex-1">
        <span className="truncate">{list.name}</span>
        {list.role !== "owner" ? (
          <span className="truncate text-xs text-muted-foreground">
            <span className="sr-only">, shared by </span>
            <span aria-hidden>by </span>
            {list.owner_name}
          </span>
        ) : null}
      </span>
      {isShared(list) ? (
        <>
          <Users aria-hidden className="size-4 shrink-0 text-muted-foreground" />
          {list.role === "owner" ? <span className="sr-only">, shared</span> : null}
        </>
      ) : null}
      <span className="min-w-6 rounded-full bg-muted px-1.5 text-center text-xs tabular-nums text-muted-foreground">
        <span className="sr-only">, </span>
        {list.pending_count}
        <span className="sr-only"> open</span>
      </span>
    </Link>
  );
}

/** The person's lists: the Inbox first, then by name; archived ones tucked away below. */
export function ListNav({
  lists,
  current,
  hrefOf,
  onNavigate,
  heading = true,
}: {
  lists: ListAnswer[] | undefined;
  current: string | null;
  hrefOf: (id: string) => string;
  onNavigate?: () => void;
  /** Its own "Lists" heading; off where a dialog of that title holds it (the phone's drawer). */
  heading?: boolean;
}) {
  const active = lists?.filter((list) => !list.archived) ?? [];
  const archived = lists?.filter((list) => list.archived) ?? [];
  const link = (list: ListAnswer) => (
    <li key={list.id}>
      <ListLink
        list={list}
        current={list.id === current}
        href={hrefOf(list.id)}
        onNavigate={onNavigate}
      />
    </li>
  );
  return (
    <nav
      aria-labelledby={heading ? "lists-heading" : undefined}
      aria-label={heading ? undefined : "Lists"}
      className="grid gap-1"
    >
      {heading ? (
        <h2
          id="lists-heading"
          className="px-3 text-xs font-semibold uppercase tracking-wide text-muted-foreground"
        >
          Lists
        </h2>
      ) : null}
      {lists === undefined ? (
        <p role="status" className="px-3 text-sm text-muted-foreground">
          Loading lists…
        </p>
      ) : (
        <ul className="grid gap-0.5">{active.map(link)}</ul>
      )}
      {archived.length > 0 ? (
        <details className="group" open={archived.some((list) => list.id === current)}>
          <summary className="cursor-pointer rounded-md px-3 py-2 text-sm text-muted-foreground hover:bg-accent focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring">
            Archived ({archived.length})
          </summary>
          <ul className="grid gap-0.5">{archived.map(link)}</ul>
        </details>
      ) : null}
    </nav>
  );
}
