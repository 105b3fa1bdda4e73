import type { Metadata } from "next";
import { requireSession } from "@/auth/session";
import { InviteAnswer } from "@/components/invite-answer";

export const metadata: Metadata = { title: "Invitation" };

/** An invite link: who invites to which list, and the choice to join it or not. */
export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const session = await requireSession(`/invite/${encodeURIComponent(token)}`);
  if (!session) return null; // the layout says the service is briefly unavailable
  return <InviteAnswer token={token} />;
}
