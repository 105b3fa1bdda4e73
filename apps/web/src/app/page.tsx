import Link from "next/link";
import { redirect } from "next/navigation";
import { getSession } from "@/auth/session";

export const dynamic = "force-dynamic";

export default async function HomePage() {
  if (await getSession()) redirect("/tasks");
  return (
    <main className="mx-auto flex min-h-dvh max-w-xl flex-col justify-center gap-6 px-4 py-16">
      <h1 className="text-3xl font-semibold tracking-tight">Taskbridge</h1>
      <p className="text-muted-foreground">
        Your tasks, kept to yourself. Sign in to see and manage them.
      </p>
      <div className="flex flex-wrap gap-3">
        <Link
          className="rounded-md bg-primary px-4 py-2 text-primary-foreground focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
          href="/sign-in"
        >
          Sign in
        </Link>
        <Link
          className="rounded-md border px-4 py-2 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
          href="/sign-up"
        >
          Create an account
        </Link>
      </div>
    </main>
  );
}
