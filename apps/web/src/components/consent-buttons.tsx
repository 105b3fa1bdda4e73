"use client";
import { useState } from "react";
import { Button } from "@/components/ui/button";

/**
 * Where the provider sends the browser next, from its JSON answer. A guard rather than a zod
 * schema: zod in this page would share chunks with the board's and grow the board's first load.
 */
function redirectOf(body: unknown): string | null {
  if (typeof body !== "object" || body === null || !("url" in body)) return null;
  return typeof body.url === "string" ? body.url : null;
}

/** Allow or Deny: the provider answers with where the app's browser goes next. */
export function ConsentButtons() {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function answer(accept: boolean) {
    setPending(true);
    setError(null);
    try {
      const response = await fetch("/api/auth/oauth2/consent", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ accept, oauth_query: window.location.search.slice(1) }),
      });
      const url = redirectOf(await response.json().catch(() => null));
      if (!response.ok || url === null) throw new Error("no redirect");
      window.location.assign(url);
    } catch {
      setError("This request has expired or is not valid. Start again from the app.");
      setPending(false);
    }
  }

  return (
    <div className="grid gap-3">
      {error ? (
        <p
          role="alert"
          className="rounded-md border border-destructive px-3 py-2 text-sm text-destructive"
        >
          {error}
        </p>
      ) : null}
      <div className="flex gap-3">
        <Button type="button" disabled={pending} onClick={() => void answer(true)}>
          Allow
        </Button>
        <Button
          type="button"
          variant="outline"
          disabled={pending}
          onClick={() => void answer(false)}
        >
          Deny
        </Button>
      </div>
    </div>
  );
}
