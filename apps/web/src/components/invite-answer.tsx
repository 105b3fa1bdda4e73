"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef } from "react";
import { toast } from "sonner";
import type { ListAnswer } from "@taskbridge/shared/list-mini";
import { useApi } from "@/components/providers";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { ApiError } from "@/lib/api-client";

/**
 * What went wrong, as the board's `describeError` says it; written out here so that this page
 * does not load the board's task cache with it.
 */
const describeError = (error: unknown) =>
  error instanceof ApiError
    ? error.detail
    : error instanceof Error
      ? error.message
      : "Something went wrong.";

/** The API's one answer for an unknown, revoked, expired or used-up link. */
const isGone = (error: unknown) => error instanceof ApiError && error.status === 404;

const expiryFormat = new Intl.DateTimeFormat(undefined, {
  dateStyle: "medium",
  timeStyle: "short",
});

const ROLE_VERB = { editor: "edit", viewer: "view" } as const;
const ROLE_RIGHTS = {
  editor: "You will be able to add, change, complete and delete its tasks.",
  viewer: "You will be able to see its tasks, but not change them.",
} as const;

/** What joining did: a member keeps the higher of their role and the invite's. */
function joinedMessage(list: ListAnswer, invited: "editor" | "viewer"): string {
  if (list.role === invited) return `Joined “${list.name}”`;
  if (list.role === "owner") return `“${list.name}” is your own list`;
  return `You were already in “${list.name}”`;
}

/**
 * A button busy with what it asked for: marked, not disabled, since disabling the focused
 * element would drop the keyboard's focus to the page; its click is ignored meanwhile.
 */
const busyClass = "aria-disabled:cursor-wait aria-disabled:opacity-50";

const linkClass =
  "inline-flex h-10 items-center justify-center rounded-md bg-primary px-4 text-sm font-medium text-primary-foreground hover:bg-primary/90 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring focus-visible:ring-offset-2 focus-visible:ring-offset-background pointer-coarse:h-11";

/**
 * The answer to an invite link: its preview ("Ada invited you to edit “Groceries”") with "Join
 * list" and "Decline"; a link that no longer works says so, never why (the API does not tell
 * either, so that a link cannot be probed for what became of it).
 */
export function InviteAnswer({ token }: { token: string }) {
  const api = useApi();
  const router = useRouter();
  const queryClient = useQueryClient();
  const preview = useQuery({
    queryKey: ["invites", token],
    queryFn: () => api.previewInvite(token),
    // A dead link stays dead: asking again would only be refused again. What was read stays put
    // while the person decides: joining may use up the link's last use, and a refetch then would
    // say the link is dead as the page leaves for the list.
    retry: (count, error) => !isGone(error) && count < 1,
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });
  const join = useMutation({
    mutationFn: () => api.acceptInvite(token),
    onSuccess: (list) => {
      // The new list, its tasks and the counts of the views all change with it.
      void queryClient.invalidateQueries({ queryKey: ["tasks"] });
      if (preview.data) toast(joinedMessage(list, preview.data.role));
      router.push(`/tasks?list=${encodeURIComponent(list.id)}`);
    },
  });

  const state = isGone(preview.error) || isGone(join.error) ? "gone" : preview.status;
  const heading = useRef<HTMLHeadingElement>(null);
  const seen = useRef(state);
  useEffect(() => {
    // The page's content was replaced (loaded, or found dead): its heading says what it is now.
    if (seen.current !== state) heading.current?.focus();
    seen.current = state;
  }, [state]);

  const headingClass = "text-2xl font-semibold tracking-tight focus-visible:outline-none";
  if (state === "pending") {
    return (
      <Card className="mx-auto grid w-full max-w-lg gap-3">
        <h1 className={headingClass}>Invitation</h1>
        <p role="status" className="text-muted-foreground">
          Loading the invitation…
        </p>
      </Card>
    );
  }
  if (state === "gone") {
    return (
      <Card className="mx-auto grid w-full max-w-lg justify-items-start gap-3">
        <h1 ref={heading} tabIndex={-1} className={headingClass}>
          This invite link is no longer valid
        </h1>
        <p className="text-muted-foreground">
          Ask the person who shared it with you for a new link.
        </p>
        <Link href="/tasks" className={linkClass}>
          Go to your tasks
        </Link>
      </Card>
    );
  }
  if (state === "error" || !preview.data) {
    return (
      <Card className="mx-auto grid w-full max-w-lg justify-items-start gap-3">
        <h1 ref={heading} tabIndex={-1} className={headingClass}>
          The invitation could not be loaded
        </h1>
        <p role="alert">{describeError(preview.error)}</p>
        <Button
          variant="outline"
          aria-disabled={preview.isFetching}
          className={busyClass}
          onClick={() => {
            if (!preview.isFetching) void preview.refetch();
          }}
        >
          {preview.isFetching ? "Trying again…" : "Try again"}
        </Button>
      </Card>
    );
  }

  const { list, inviter, role, expires_at } = preview.data;
  return (
    <Card aria-busy={join.isPending} className="mx-auto grid w-full max-w-lg gap-4">
      <h1 ref={heading} tabIndex={-1} className={headingClass}>
        {inviter.name} invited you to {ROLE_VERB[role]} “{list.name}”
      </h1>
      <div className="grid gap-1 text-sm text-muted-foreground">
        <p>{ROLE_RIGHTS[role]}</p>
        <p>
          The link works until{" "}
          <time dateTime={expires_at}>{expiryFormat.format(new Date(expires_at))}</time>.
        </p>
      </div>
      {join.isError ? (
        <p
          role="alert"
          className="rounded-md border border-destructive px-3 py-2 text-sm text-destructive"
        >
          Could not join the list: {describeError(join.error)}
        </p>
      ) : null}
      <div className="flex flex-wrap gap-2">
        <Button
          aria-disabled={join.isPending || join.isSuccess}
          className={busyClass}
          onClick={() => {
            if (join.isIdle || join.isError) join.mutate();
          }}
        >
          {join.isPending ? "Joining…" : "Join list"}
        </Button>
        <Button
          variant="outline"
          disabled={join.isPending || join.isSuccess}
          onClick={() => router.push("/tasks")}
        >
          Decline
        </Button>
      </div>
    </Card>
  );
}
