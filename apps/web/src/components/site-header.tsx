"use client";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { cn } from "@/lib/utils";

export function SiteHeader({ name }: { name: string }) {
  const router = useRouter();
  const pathname = usePathname();
  const [pending, setPending] = useState(false);
  const link = (href: string, label: string) => (
    <Link
      href={href}
      aria-current={pathname.startsWith(href) ? "page" : undefined}
      className={cn(
        "rounded-md px-3 py-2 text-sm font-medium hover:bg-accent focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring",
        pathname.startsWith(href) && "bg-accent",
      )}
    >
      {label}
    </Link>
  );
  return (
    <header className="border-b">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-2 px-4 py-3">
        <span className="mr-auto font-semibold">Taskbridge</span>
        <nav aria-label="Main" className="flex gap-1">
          {link("/tasks", "Tasks")}
          {link("/account", "Account")}
        </nav>
        <span className="hidden text-sm text-muted-foreground sm:inline" aria-label="Signed in as">
          {name}
        </span>
        <Button
          variant="outline"
          size="sm"
          disabled={pending}
          onClick={async () => {
            setPending(true);
            // Better Auth's client is only needed here: loaded on the click, not with every page.
            const { authClient } = await import("@/auth/client");
            await authClient.signOut();
            router.replace("/sign-in");
            router.refresh();
          }}
        >
          Sign out
        </Button>
      </div>
    </header>
  );
}
