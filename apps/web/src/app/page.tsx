import Link from "next/link";

export default function HomePage() {
  return (
    <main className="mx-auto flex max-w-xl flex-col gap-6 px-4 py-16">
      <h1 className="text-3xl font-semibold tracking-tight">Taskbridge</h1>
      <p className="text-muted-foreground">
        Your tasks, kept to yourself. Sign in to see and manage them.
      </p>
      <div className="flex gap-3">
        <Link className="rounded-md bg-primary px-4 py-2 text-primary-foreground" href="/sign-in">
          Sign in
        </Link>
        <Link className="rounded-md border px-4 py-2" href="/sign-up">
          Create an account
        </Link>
      </div>
    </main>
  );
}
