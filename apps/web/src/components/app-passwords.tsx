"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";
import { useApi } from "@/components/providers";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Input, Select } from "@/components/ui/input";
import {
  appPasswords,
  createAppPassword,
  revokeAppPassword,
  type AppPassword,
} from "@/lib/account-api";
import { formText } from "@/lib/utils";
import { SectionOutcome } from "@/components/section-outcome";

const passwordsKey = ["app-passwords"] as const;

const when = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const SCOPES: Record<AppPassword["scope"], string> = {
  read_write: "Read and write",
  read_only: "Read only",
};

/**
 * App passwords on the account page: what a phone's or desktop's tasks app (CalDAV) or a script
 * signs in with instead of the account's password. Made with a name and an access, shown once,
 * listed with their last use, each revoked with one click.
 */
export function AppPasswords() {
  const api = useApi();
  const queryClient = useQueryClient();
  const field = useRef<HTMLInputElement>(null);
  const [nameError, setNameError] = useState<string>();
  const [note, setNote] = useState("");
  const list = useQuery({ queryKey: passwordsKey, queryFn: () => appPasswords(api) });
  const create = useMutation({
    mutationFn: ({ name, scope }: { name: string; scope: AppPassword["scope"] }) =>
      createAppPassword(api, name, scope),
    onSuccess: () => {
      setNote("");
      void queryClient.invalidateQueries({ queryKey: passwordsKey });
    },
  });
  const revoke = useMutation({
    mutationFn: (entry: AppPassword) => revokeAppPassword(api, entry.id),
    onSuccess: (_result, entry) => {
      setNote(`“${entry.name}” is revoked: apps using it are signed out.`);
      if (create.data?.id === entry.id) create.reset();
      void queryClient.invalidateQueries({ queryKey: passwordsKey });
    },
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const name = formText(data, "name").trim();
    const scope = formText(data, "scope") === "read_only" ? "read_only" : "read_write";
    if (!name) return setNameError("Name it after the app or device that will use it.");
    if (name.length > 100) return setNameError("Use at most 100 characters.");
    setNameError(undefined);
    create.mutate({ name, scope }, { onSuccess: () => form.reset() });
  }

  async function copy(password: string) {
    try {
      await navigator.clipboard.writeText(password);
      setNote("Password copied");
    } catch {
      field.current?.focus();
      field.current?.select();
      setNote("Copying did not work: the password is selected, press Ctrl+C (⌘C on a Mac).");
    }
  }

  const failure = list.error ?? create.error ?? revoke.error;
  const made = create.data;
  return (
    <Card aria-labelledby="app-passwords-heading">
      <h2 id="app-passwords-heading" className="mb-1 font-semibold">
        App passwords
      </h2>
      <p className="mb-3 text-sm text-muted-foreground">
        For your phone&apos;s or computer&apos;s tasks app and for scripts: each signs in with its
        own password, which you can revoke without changing your own.
      </p>
      <form method="post" noValidate onSubmit={submit} className="flex flex-wrap items-end gap-2">
        <Field label="App or device" error={nameError} className="min-w-48 flex-1">
          {(control) => (
            <Input
              {...control}
              name="name"
              maxLength={100}
              placeholder="e.g. Tasks.org on my phone"
            />
          )}
        </Field>
        <Field label="Access" className="min-w-36">
          {(control) => (
            <Select {...control} name="scope" defaultValue="read_write">
              <option value="read_write">{SCOPES.read_write}</option>
              <option value="read_only">{SCOPES.read_only}</option>
            </Select>
          )}
        </Field>
        <Button type="submit" disabled={create.isPending}>
          Create
        </Button>
      </form>

      {made ? (
        <div className="mt-4 grid gap-2 rounded-md border p-3" aria-labelledby="new-password-label">
          <p id="new-password-label" className="text-sm font-medium">
            The password of “{made.name}”: copy it now, it is not shown again.
          </p>
          <div className="flex flex-wrap gap-2">
            <Input
              ref={field}
              readOnly
              value={made.password}
              aria-label={`The password of ${made.name}`}
              className="min-w-64 flex-1 font-mono"
              onFocus={(event) => event.currentTarget.select()}
            />
            <Button type="button" onClick={() => void copy(made.password)}>
              Copy
            </Button>
          </div>
        </div>
      ) : null}

      {list.data && list.data.length > 0 ? (
        <ul className="mt-4 grid gap-2" aria-label="App passwords">
          {list.data.map((entry) => (
            <li
              key={entry.id}
              aria-label={entry.name}
              className="flex flex-wrap items-center justify-between gap-3 rounded-md border p-3"
            >
              <div className="grid gap-0.5 text-sm">
                <span className="font-medium">{entry.name}</span>
                <span className="text-muted-foreground">
                  {SCOPES[entry.scope]} · made{" "}
                  <time dateTime={entry.created_at}>{when.format(new Date(entry.created_at))}</time>{" "}
                  ·{" "}
                  {entry.last_used_at ? (
                    <>
                      last used{" "}
                      <time dateTime={entry.last_used_at}>
                        {when.format(new Date(entry.last_used_at))}
                      </time>
                    </>
                  ) : (
                    "never used"
                  )}
                </span>
              </div>
              <Button
                type="button"
                variant="outline"
                size="sm"
                disabled={revoke.isPending}
                aria-label={`Revoke ${entry.name}`}
                onClick={() => revoke.mutate(entry)}
              >
                Revoke
              </Button>
            </li>
          ))}
        </ul>
      ) : list.data ? (
        <p className="mt-4 text-sm text-muted-foreground">No app passwords yet.</p>
      ) : null}
      <SectionOutcome note={note} failure={failure} />
    </Card>
  );
}
