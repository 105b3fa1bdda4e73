import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { safeNext, sessionState } from "@/auth/session";
import { AuthForm } from "@/components/auth-form";
import { ServiceNotice } from "@/components/service-notice";

export const metadata: Metadata = { title: "Create an account" };
export const dynamic = "force-dynamic";

export default async function SignUpPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const next = safeNext((await searchParams).next);
  const state = await sessionState();
  if (state.status === "signed-in") redirect(next);
  return (
    <>
      <h1 className="text-2xl font-semibold tracking-tight">Create your Taskbridge account</h1>
      {state.status === "unavailable" ? <ServiceNotice /> : null}
      <AuthForm mode="sign-up" next={next} />
      <p className="text-sm text-muted-foreground">
        Already have an account?{" "}
        <Link
          className="font-medium text-foreground underline underline-offset-4"
          href={`/sign-in?next=${encodeURIComponent(next)}`}
        >
          Sign in
        </Link>
      </p>
    </>
  );
}
