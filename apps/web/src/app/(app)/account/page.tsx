import type { Metadata } from "next";
import { requireSession } from "@/auth/session";
import { AccountSettings } from "@/components/account-settings";

export const metadata: Metadata = { title: "Account" };

export default async function AccountPage() {
  const session = await requireSession("/account");
  if (!session) return null; // the layout says the service is briefly unavailable
  return <AccountSettings name={session.user.name} email={session.user.email} />;
}
