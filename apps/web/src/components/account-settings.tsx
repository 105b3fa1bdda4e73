"use client";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { toast } from "@/lib/toast";
import { authClient } from "@/auth/client";
import { Button } from "@/components/ui/button";
import { formText } from "@/lib/utils";
import { Card } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { FieldError, Input } from "@/components/ui/input";

function message(error: { status?: number; code?: string; message?: string }): string {
  if (error.status === 429) return "Too many attempts. Wait a moment, then try again.";
  if (error.status === 503 || error.code === "SERVICE_UNAVAILABLE")
    return "The service is briefly unavailable. Please try again in a few seconds.";
  if (error.code === "INVALID_PASSWORD" || error.code === "INVALID_EMAIL_OR_PASSWORD")
    return "That is not your current password.";
  if (error.code === "PASSWORD_TOO_SHORT") return "Use at least 8 characters.";
  if (error.code === "PASSWORD_TOO_LONG") return "Use at most 128 characters.";
  return error.message ?? "Something went wrong. Try again.";
}

function useAction() {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();
  const run = async (
    action: () => Promise<{ error: { status?: number; code?: string; message?: string } | null }>,
    success?: string,
  ) => {
    if (pending) return false;
    setPending(true);
    setError(undefined);
    const result = await action();
    setPending(false);
    if (result.error) {
      setError(message(result.error));
      return false;
    }
    if (success) toast.success(success);
    return true;
  };
  return { pending, error, setError, run };
}

export function AccountSettings({ name, email }: { name: string; email: string }) {
  const router = useRouter();
  const rename = useAction();
  const password = useAction();
  const sessions = useAction();
  const remove = useAction();

  async function onRename(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const value = formText(new FormData(event.currentTarget), "name").trim();
    if (!value) return rename.setError("Enter your name.");
    if (value.length > 100) return rename.setError("Use at most 100 characters for your name.");
    if (await rename.run(() => authClient.updateUser({ name: value }), "Name saved"))
      router.refresh();
  }

  async function onPassword(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const currentPassword = formText(data, "currentPassword");
    const newPassword = formText(data, "newPassword");
    if (!currentPassword) return password.setError("Enter your current password.");
    if (newPassword.length < 8 || newPassword.length > 128)
      return password.setError("Use 8 to 128 characters for the new password.");
    if (
      await password.run(
        () =>
          authClient.changePassword({ currentPassword, newPassword, revokeOtherSessions: true }),
        "Password changed",
      )
    )
      form.reset();
  }

  async function onDelete(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const value = formText(new FormData(event.currentTarget), "deletePassword");
    if (!value) return remove.setError("Enter your password to confirm.");
    if (await remove.run(() => authClient.deleteUser({ password: value }))) {
      router.replace("/sign-in?deleted=1");
      router.refresh();
    }
  }

  return (
    <div className="grid gap-6">
      <h1 className="text-2xl font-semibold tracking-tight">Account</h1>
      <p className="text-muted-foreground">Signed in as {email}.</p>

      <Card aria-labelledby="name-heading">
        <h2 id="name-heading" className="mb-3 font-semibold">
          Profile
        </h2>
        <form method="post" onSubmit={onRename} noValidate className="grid gap-2 sm:max-w-sm">
          <Field label="Name" error={rename.error}>
            {(control) => (
              <Input {...control} name="name" defaultValue={name} autoComplete="name" />
            )}
          </Field>
          <Button type="submit" disabled={rename.pending} className="justify-self-start">
            {rename.pending ? "Saving…" : "Save name"}
          </Button>
        </form>
      </Card>

      <Card aria-labelledby="password-heading">
        <h2 id="password-heading" className="mb-3 font-semibold">
          Password
        </h2>
        <p className="mb-3 text-sm text-muted-foreground">
          Changing it signs you out everywhere else: other browsers, devices and their tokens.
        </p>
        <form method="post" onSubmit={onPassword} noValidate className="grid gap-2 sm:max-w-sm">
          <Field label="Current password">
            {(control) => (
              <Input
                {...control}
                name="currentPassword"
                type="password"
                autoComplete="current-password"
              />
            )}
          </Field>
          <Field label="New password" hint="8 to 128 characters." error={password.error}>
            {(control) => (
              <Input {...control} name="newPassword" type="password" autoComplete="new-password" />
            )}
          </Field>
          <Button type="submit" disabled={password.pending} className="justify-self-start">
            {password.pending ? "Changing…" : "Change password"}
          </Button>
        </form>
      </Card>

      <Card aria-labelledby="sessions-heading">
        <h2 id="sessions-heading" className="mb-3 font-semibold">
          Other sessions
        </h2>
        <p className="mb-3 text-sm text-muted-foreground">
          Sign out everywhere else: other browsers and devices will need to sign in again.
        </p>
        <FieldError id="sessions-error" message={sessions.error} />
        <Button
          variant="outline"
          disabled={sessions.pending}
          onClick={() =>
            void sessions.run(
              () => authClient.revokeOtherSessions(),
              "Signed out of other sessions",
            )
          }
        >
          Sign out of other sessions
        </Button>
      </Card>

      <Card aria-labelledby="delete-heading" className="border-destructive">
        <h2 id="delete-heading" className="mb-3 font-semibold text-destructive">
          Delete account
        </h2>
        <p className="mb-3 text-sm text-muted-foreground">
          This deletes your account and every one of your tasks. It cannot be undone.
        </p>
        <form method="post" onSubmit={onDelete} noValidate className="grid gap-2 sm:max-w-sm">
          <Field label="Type your password to confirm" error={remove.error}>
            {(control) => (
              <Input
                {...control}
                name="deletePassword"
                type="password"
                autoComplete="current-password"
              />
            )}
          </Field>
          <Button
            type="submit"
            variant="destructive"
            disabled={remove.pending}
            className="justify-self-start"
          >
            {remove.pending ? "Deleting…" : "Delete my account"}
          </Button>
        </form>
      </Card>
    </div>
  );
}
