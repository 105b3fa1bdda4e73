"use client";
import { useRouter } from "next/navigation";
import { useTransition } from "react";
import { toast } from "@/lib/toast";
import { revokeConnectedApp } from "@/auth/connected-apps";
import { Button } from "@/components/ui/button";

export function RevokeAppButton({ clientId, name }: { clientId: string; name: string }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  return (
    <Button
      type="button"
      variant="outline"
      size="sm"
      disabled={pending}
      aria-label={`Revoke ${name}`}
      onClick={() =>
        startTransition(async () => {
          const result = await revokeConnectedApp(clientId);
          if (result.ok) toast.success(`${name} can no longer use your tasks.`);
          else toast.error("Could not revoke the app. Try again.");
          router.refresh();
        })
      }
    >
      Revoke
    </Button>
  );
}
