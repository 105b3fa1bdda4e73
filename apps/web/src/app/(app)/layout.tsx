import { requireSession } from "@/auth/session";
import { Providers } from "@/components/providers";
import { ServiceNotice } from "@/components/service-notice";
import { SiteHeader } from "@/components/site-header";
import { getConfig } from "@/env";

export const dynamic = "force-dynamic";

export default async function AppLayout({ children }: { children: React.ReactNode }) {
  const session = await requireSession("/tasks");
  if (!session) {
    return (
      <main id="main" className="mx-auto w-full max-w-4xl px-4 py-6">
        <ServiceNotice />
      </main>
    );
  }
  return (
    <Providers apiUrl={getConfig().apiUrl}>
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:rounded focus:bg-background focus:p-2"
      >
        Skip to content
      </a>
      <SiteHeader name={session.user.name} />
      <main id="main" className="mx-auto w-full max-w-6xl px-4 py-6">
        {children}
      </main>
    </Providers>
  );
}
