import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { safeNext, sessionState } from "@/auth/session";
import { AuthForm } from "@/components/auth-form";
import { ServiceNotice } from "@/components/service-notice";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const next = safeNext(params.next);
  const state = await sessionState();
  if (state.status === "signed-in") redirect(next);
  return (
    <>
      <div className="grid gap-1">
        <h1 className="text-2xl font-semibold tracking-tight">Sign in to Taskbridge</h1>
        {params.deleted ? (
          <p role="status" className="text-sm text-muted-foreground">
            Your account and its tasks were deleted.
          </p>
        ) : null}
      </div>
      {state.status === "unavailable" ? <ServiceNotice /> : null}
      <AuthForm mode="sign-in" next={next} />
      <p className="text-sm text-muted-foreground">
        New here?{" "}
        <Link
          className="font-medium text-foreground underline underline-offset-4"
          href={`/sign-up?next=${encodeURIComponent(next)}`}
        >
          Create an account
        </Link>
      </p>
    </>
  );
}
