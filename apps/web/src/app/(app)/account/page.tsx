import type { Metadata } from "next";
import { requireSession } from "@/auth/session";
import { AccountSettings } from "@/components/account-settings";
import { AppPasswords } from "@/components/app-passwords";
import { CalendarFeed } from "@/components/calendar-feed";
import { ConnectedApps } from "@/components/connected-apps";
import { TimeZoneSetting } from "@/components/time-zone-setting";
import { TransferSettings } from "@/components/transfer-settings";

export const metadata: Metadata = { title: "Account" };

export default async function AccountPage() {
  const session = await requireSession("/account");
  if (!session) return null; // the layout says the service is briefly unavailable
  return (
    <div className="mx-auto grid w-full max-w-4xl gap-6">
      <AccountSettings name={session.user.name} email={session.user.email} />
      <TransferSettings />
      <ConnectedApps userId={session.user.id} />
      <TimeZoneSetting />
      <AppPasswords />
      <CalendarFeed />
    </div>
  );
}
