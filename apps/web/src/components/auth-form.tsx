"use client";
import { useRouter } from "next/navigation";
import { useRef, useState, type FormEvent } from "react";
import { authClient } from "@/auth/client";
import { Button } from "@/components/ui/button";
import { safeNext } from "@/lib/safe-next";
import { formText } from "@/lib/utils";
import { FieldError, Input, Label } from "@/components/ui/input";

type Mode = "sign-in" | "sign-up";
type Field = "name" | "email" | "password";
type Errors = Partial<Record<Field | "form", string>>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The rules the server applies, checked before sending so mistakes show at once. */
export function validate(mode: Mode, values: Record<Field, string>): Errors {
  const errors: Errors = {};
  if (mode === "sign-up" && !values.name.trim()) errors.name = "Enter your name.";
  else if (mode === "sign-up" && values.name.trim().length > 100)
    errors.name = "Use at most 100 characters for your name.";
  if (!EMAIL.test(values.email.trim())) errors.email = "Enter a valid email address.";
  else if (values.email.trim().length > 254)
    errors.email = "Use an email address of at most 254 characters.";
  if (mode === "sign-up" && values.password.length < 8)
    errors.password = "Use at least 8 characters.";
  else if (values.password.length > 128) errors.password = "Use at most 128 characters.";
  else if (!values.password) errors.password = "Enter your password.";
  return errors;
}

/** What to tell a person for an error Better Auth answered. */
export function describeAuthError(
  mode: Mode,
  error: { status?: number; code?: string; message?: string },
): Errors {
  if (error.status === 429) return { form: "Too many attempts. Wait a moment, then try again." };
  if (error.status === 503 || error.code === "SERVICE_UNAVAILABLE")
    return { form: "The service is briefly unavailable. Please try again in a few seconds." };
  if (mode === "sign-in" && (error.status === 401 || error.code === "INVALID_EMAIL_OR_PASSWORD")) {
    return { form: "Wrong email or password." };
  }
  if (error.code?.startsWith("USER_ALREADY_EXISTS"))
    return { email: "An account with this email already exists. Sign in instead." };
  if (error.code === "PASSWORD_TOO_SHORT") return { password: "Use at least 8 characters." };
  if (error.code === "PASSWORD_TOO_LONG") return { password: "Use at most 128 characters." };
  if (error.code === "INVALID_EMAIL") return { email: "Enter a valid email address." };
  if (error.code === "PASSWORD_TOO_WEAK")
    return { password: error.message ?? "This password is easy to guess. Try a longer one." };
  if (error.code === "NAME_TOO_LONG" || error.code === "NAME_REQUIRED")
    return { name: error.message ?? "Enter a shorter name." };
  if (error.code === "EMAIL_TOO_LONG") return { email: error.message ?? "Enter a shorter email." };
  return { form: error.message ?? "Something went wrong. Try again." };
}

export function AuthForm({ mode, next }: { mode: Mode; next: string }) {
  const router = useRouter();
  const [errors, setErrors] = useState<Errors>({});
  const [pending, setPending] = useState(false);
  const form = useRef<HTMLFormElement>(null);

  const focusFirstError = (found: Errors) => {
    const first = (["name", "email", "password"] as const).find((field) => found[field]);
    if (first) form.current?.querySelector<HTMLInputElement>(`[name="${first}"]`)?.focus();
  };

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    const data = new FormData(event.currentTarget);
    const values = {
      name: formText(data, "name"),
      email: formText(data, "email").trim(),
      password: formText(data, "password"),
    };
    const found = validate(mode, values);
    setErrors(found);
    if (Object.keys(found).length) return focusFirstError(found);
    setPending(true);
    const credentials = { email: values.email, password: values.password };
    // Sign-up answers alike for a new and a registered email and signs no one in (so it cannot
    // tell who has an account); signing in after it is what lets a new person in.
    const signedUp =
      mode === "sign-up"
        ? await authClient.signUp.email({ ...credentials, name: values.name.trim() })
        : undefined;
    const result = signedUp?.error ? signedUp : await authClient.signIn.email(credentials);
    if (result.error) {
      const described =
        mode === "sign-up" && !signedUp?.error && result.error.status === 401
          ? {
              form: "We could not sign you in with this email and password. If you already have an account, sign in instead.",
            }
          : describeAuthError(mode, result.error);
      setErrors(described);
      setPending(false);
      focusFirstError(described);
      return;
    }
    router.replace(safeNext(next));
    router.refresh();
  }

  const describedBy = (field: Field) => (errors[field] ? `${field}-error` : undefined);
  return (
    <form
      ref={form}
      method="post"
      onSubmit={onSubmit}
      noValidate
      className="grid gap-4"
      aria-busy={pending}
    >
      {errors.form ? (
        <p
          role="alert"
          className="rounded-md border border-destructive px-3 py-2 text-sm text-destructive"
        >
          {errors.form}
        </p>
      ) : null}
      {mode === "sign-up" ? (
        <div className="grid gap-2">
          <Label htmlFor="name">Name</Label>
          <Input
            id="name"
            name="name"
            autoComplete="name"
            required
            aria-invalid={Boolean(errors.name)}
            aria-describedby={describedBy("name")}
          />
          <FieldError id="name-error" message={errors.name} />
        </div>
      ) : null}
      <div className="grid gap-2">
        <Label htmlFor="email">Email</Label>
        <Input
          id="email"
          name="email"
          type="email"
          autoComplete="email"
          required
          aria-invalid={Boolean(errors.email)}
          aria-describedby={describedBy("email")}
        />
        <FieldError id="email-error" message={errors.email} />
      </div>
      <div className="grid gap-2">
        <Label htmlFor="password">Password</Label>
        <Input
          id="password"
          name="password"
          type="password"
          autoComplete={mode === "sign-in" ? "current-password" : "new-password"}
          required
          minLength={mode === "sign-up" ? 8 : undefined}
          maxLength={128}
          aria-invalid={Boolean(errors.password)}
          aria-describedby={
            [describedBy("password"), mode === "sign-up" ? "password-hint" : undefined]
              .filter(Boolean)
              .join(" ") || undefined
          }
        />
        {mode === "sign-up" ? (
          <p id="password-hint" className="text-sm text-muted-foreground">
            8 to 128 characters. A few unrelated words make a strong one.
          </p>
        ) : null}
        <FieldError id="password-error" message={errors.password} />
      </div>
      <Button type="submit" disabled={pending}>
        {pending
          ? mode === "sign-in"
            ? "Signing in…"
            : "Creating account…"
          : mode === "sign-in"
            ? "Sign in"
            : "Create account"}
      </Button>
    </form>
  );
}
