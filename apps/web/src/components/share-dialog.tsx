"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { flushSync } from "react-dom";
import type { InviteAnswer, ListAnswer, MemberAnswer } from "@taskbridge/shared/list-mini";
import { useApi } from "@/components/providers";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input, Select } from "@/components/ui/input";
import { describeError } from "@/hooks/use-task-mutations";
import { membersKey } from "@/hooks/use-task-queries";
import type { MemberRole } from "@/lib/api-client";

// The owner's "Share" dialog: invite links, and who is in the list. It is loaded when opened,
// not with the board, so it takes only what the board has already loaded besides itself.

const invitesKey = (listId: string) => ["lists", listId, "invites"] as const;

const ROLE_LABELS: Record<MemberRole, string> = { editor: "Can edit", viewer: "Can view" };

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const when = (iso: string) => <time dateTime={iso}>{dateFormat.format(new Date(iso))}</time>;

const errorClass = "text-sm font-medium text-destructive";
/**
 * A button busy with what it asked for: marked, not disabled, since disabling the focused
 * element would drop the keyboard's focus out of the dialog; its click is ignored meanwhile.
 */
const busyClass = "aria-disabled:cursor-wait aria-disabled:opacity-50";
const headingClass = "font-semibold focus-visible:outline-none";

function RoleOptions() {
  return (
    <>
      <option value="editor">{ROLE_LABELS.editor}</option>
      <option value="viewer">{ROLE_LABELS.viewer}</option>
    </>
  );
}

const isMemberRole = (value: string): value is MemberRole =>
  value === "editor" || value === "viewer";

/** A query that failed: what went wrong, and a way to ask again. */
function LoadError({ what, error, retry }: { what: string; error: unknown; retry: () => void }) {
  return (
    <div role="alert" className="grid justify-items-start gap-2">
      <p className={errorClass}>
        {what} could not be loaded: {describeError(error)}
      </p>
      <Button variant="outline" size="sm" onClick={retry}>
        Try again
      </Button>
    </div>
  );
}

/**
 * Making a link: the role it gives, then the link itself, shown only now (the API keeps only a
 * hash of its token), with a copy button that says whether copying worked.
 */
function NewInvite({ list, revoked }: { list: ListAnswer; revoked: ReadonlySet<string> }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [role, setRole] = useState<MemberRole>("editor");
  const [copied, setCopied] = useState("");
  const field = useRef<HTMLInputElement>(null);
  const create = useMutation({
    mutationFn: () => api.createInvite(list.id, role),
    onSuccess: () => {
      setCopied("");
      void queryClient.invalidateQueries({ queryKey: invitesKey(list.id) });
    },
  });
  // Revoked since (in the list below), the link no longer works: it is no longer shown.
  const shown = create.data && !revoked.has(create.data.id) ? create.data : undefined;
  const link = shown ? `${window.location.origin}/invite/${shown.token}` : "";
  // A new link takes the focus, selected: it is what the person came for, ready to copy.
  useEffect(() => {
    if (create.data) field.current?.focus();
  }, [create.data]);

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!create.isPending) create.mutate();
  }

  async function copy() {
    try {
      await navigator.clipboard.writeText(link);
      setCopied("Link copied");
    } catch {
      // No clipboard (an insecure origin, a refused permission): the link is selected for the
      // person to copy themself.
      field.current?.focus();
      field.current?.select();
      setCopied("Copying did not work: the link is selected, press Ctrl+C (⌘C on a Mac).");
    }
  }

  return (
    <div className="grid gap-3">
      <form method="post" onSubmit={submit} className="flex flex-wrap items-end gap-2">
        <Field label="Role" className="min-w-36 flex-1">
          {(control) => (
            <Select
              {...control}
              name="role"
              value={role}
              onChange={(event) => {
                if (isMemberRole(event.target.value)) setRole(event.target.value);
              }}
            >
              <RoleOptions />
            </Select>
          )}
        </Field>
        <Button type="submit" aria-disabled={create.isPending} className={busyClass}>
          {create.isPending ? "Creating…" : "Create invite link"}
        </Button>
      </form>
      {create.isError ? (
        <p role="alert" className={errorClass}>
          Could not create the link: {describeError(create.error)}
        </p>
      ) : null}
      {shown ? (
        <div className="grid gap-2">
          <Field
            label="Invite link"
            hint={
              <>
                For {shown.max_uses === 1 ? "one person" : `${shown.max_uses} people`}, who can then{" "}
                {shown.role === "editor" ? "edit" : "view"} the list, until {when(shown.expires_at)}
                . Copy it now: it is not shown again.
              </>
            }
          >
            {(control) => (
              <div className="flex flex-wrap gap-2">
                <Input
                  {...control}
                  ref={field}
                  readOnly
                  value={link}
                  className="min-w-0 flex-1 basis-56"
                  onFocus={(event) => event.currentTarget.select()}
                />
                <Button type="button" variant="outline" onClick={() => void copy()}>
                  Copy link
                </Button>
              </div>
            )}
          </Field>
          <p role="status" className="text-sm">
            {copied}
          </p>
        </div>
      ) : null}
    </div>
  );
}

/** The open invites, numbered as the owner sees them, each with a way to revoke it. */
function OpenInvites({
  list,
  onRevoked,
}: {
  list: ListAnswer;
  onRevoked: (inviteId: string) => void;
}) {
  const api = useApi();
  const queryClient = useQueryClient();
  const headingId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const invites = useQuery({
    queryKey: invitesKey(list.id),
    queryFn: () => api.invites(list.id),
  });
  const revoke = useMutation({
    mutationFn: (invite: InviteAnswer) => api.revokeInvite(list.id, invite.id),
    onSuccess: async (_, invite) => {
      onRevoked(invite.id);
      await queryClient.invalidateQueries({ queryKey: invitesKey(list.id) });
      // Its button is gone: focus stays in the section rather than falling out of the dialog.
      heading.current?.focus();
    },
  });
  return (
    <section aria-labelledby={headingId} className="grid gap-2">
      <h3 id={headingId} ref={heading} tabIndex={-1} className={headingClass}>
        Open invites
      </h3>
      {invites.isPending ? (
        <p role="status" className="text-sm text-muted-foreground">
          Loading invites…
        </p>
      ) : invites.isError ? (
        <LoadError what="The invites" error={invites.error} retry={() => void invites.refetch()} />
      ) : invites.data.length === 0 ? (
        <p className="text-sm text-muted-foreground">No open invites.</p>
      ) : (
        <ul className="grid gap-2">
          {invites.data.map((invite, index) => {
            const name = `Invite ${index + 1} (${ROLE_LABELS[invite.role].toLowerCase()})`;
            return (
              <li
                key={invite.id}
                className="flex flex-wrap items-center justify-between gap-2 rounded-md border p-2 text-sm"
              >
                <span>
                  <span className="font-medium">{name}</span>
                  <span className="block text-muted-foreground">
                    {invite.uses} of {invite.max_uses} {invite.max_uses === 1 ? "use" : "uses"},
                    until {when(invite.expires_at)}
                  </span>
                </span>
                <Button
                  variant="outline"
                  size="sm"
                  aria-label={`Revoke ${name.charAt(0).toLowerCase()}${name.slice(1)}`}
                  aria-disabled={revoke.isPending && revoke.variables.id === invite.id}
                  className={busyClass}
                  onClick={() => {
                    if (!revoke.isPending) revoke.mutate(invite);
                  }}
                >
                  Revoke
                </Button>
              </li>
            );
          })}
        </ul>
      )}
      {revoke.isError ? (
        <p role="alert" className={errorClass}>
          Could not revoke the invite: {describeError(revoke.error)}
        </p>
      ) : null}
    </section>
  );
}

/** One member: the owner as such; anyone else with their role to change and a way out. */
function MemberRow({
  list,
  member,
  onRemoved,
}: {
  list: ListAnswer;
  member: MemberAnswer;
  onRemoved: () => void;
}) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const removeButton = useRef<HTMLButtonElement>(null);
  const setRole = useMutation({
    mutationFn: (role: MemberRole) => api.setMemberRole(list.id, member.user_id, role),
    onSuccess: (_, role) => {
      queryClient.setQueryData<MemberAnswer[]>(membersKey(list.id), (members) =>
        members?.map((other) => (other.user_id === member.user_id ? { ...other, role } : other)),
      );
      void queryClient.invalidateQueries({ queryKey: membersKey(list.id) });
    },
  });
  const remove = useMutation({
    mutationFn: () => api.removeMember(list.id, member.user_id),
    onSuccess: async () => {
      // Their assignments in the list are cleared with them, and its member count changes.
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: membersKey(list.id) }),
        queryClient.invalidateQueries({ queryKey: ["tasks"] }),
      ]);
      onRemoved();
    },
  });
  // While a change is on its way the select shows it; a refused one falls back to what is saved.
  const role = setRole.isPending ? setRole.variables : member.role;
  const you = member.user_id === list.owner_id;

  return (
    <li className="grid gap-2 rounded-md border p-2 text-sm">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <span className="min-w-0">
          <span className="block font-medium">
            {member.name}
            {you ? " (you)" : ""}
          </span>
          <span className="block break-all text-muted-foreground">{member.email}</span>
        </span>
        {member.role === "owner" ? (
          <span className="text-muted-foreground">Owner</span>
        ) : (
          <div className="flex items-center gap-2">
            <Select
              aria-label={`Role of ${member.name}`}
              className="w-auto"
              value={role}
              // Not disabled while a change is saved: that would take the keyboard's focus away.
              disabled={remove.isPending}
              onChange={(event) => {
                if (isMemberRole(event.target.value)) setRole.mutate(event.target.value);
              }}
            >
              <RoleOptions />
            </Select>
            <Button
              ref={removeButton}
              variant="outline"
              size="sm"
              aria-label={`Remove ${member.name}`}
              aria-expanded={confirming}
              disabled={remove.isPending}
              onClick={() => setConfirming(true)}
            >
              Remove
            </Button>
          </div>
        )}
      </div>
      {confirming ? (
        <div className="flex flex-wrap items-center gap-2">
          <p className="mr-auto">
            Remove {member.name} from “{list.name}”? They lose access at once.
          </p>
          <Button
            variant="destructive"
            size="sm"
            autoFocus
            aria-label={`Yes, remove ${member.name}`}
            aria-disabled={remove.isPending}
            className={busyClass}
            onClick={() => {
              if (!remove.isPending) remove.mutate();
            }}
          >
            Yes, remove
          </Button>
          <Button
            variant="outline"
            size="sm"
            disabled={remove.isPending}
            onClick={() => {
              // Back to the button that asked, as a dialog gives focus back to what opened it.
              flushSync(() => setConfirming(false));
              remove.reset();
              removeButton.current?.focus();
            }}
          >
            Cancel
          </Button>
        </div>
      ) : null}
      {setRole.isError ? (
        <p role="alert" className={errorClass}>
          Could not change the role of {member.name}: {describeError(setRole.error)}
        </p>
      ) : null}
      {remove.isError ? (
        <p role="alert" className={errorClass}>
          Could not remove {member.name}: {describeError(remove.error)}
        </p>
      ) : null}
    </li>
  );
}

function Members({ list }: { list: ListAnswer }) {
  const api = useApi();
  const headingId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const members = useQuery({
    queryKey: membersKey(list.id),
    queryFn: () => api.members(list.id),
  });
  return (
    <section aria-labelledby={headingId} className="grid gap-2">
      <h3 id={headingId} ref={heading} tabIndex={-1} className={headingClass}>
        Members
      </h3>
      {members.isPending ? (
        <p role="status" className="text-sm text-muted-foreground">
          Loading members…
        </p>
      ) : members.isError ? (
        <LoadError what="The members" error={members.error} retry={() => void members.refetch()} />
      ) : (
        <ul className="grid gap-2">
          {members.data.map((member) => (
            <MemberRow
              key={member.user_id}
              list={list}
              member={member}
              // Their row is gone: focus stays in the section rather than falling out of the dialog.
              onRemoved={() => heading.current?.focus()}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

// Mounted while the dialog is open: its queries run then, and it starts afresh each time.
function ShareBody({ list }: { list: ListAnswer }) {
  const [revoked, setRevoked] = useState<ReadonlySet<string>>(new Set());
  return (
    <>
      <NewInvite list={list} revoked={revoked} />
      <OpenInvites
        list={list}
        onRevoked={(id) => setRevoked((before) => new Set(before).add(id))}
      />
      <Members list={list} />
    </>
  );
}

/** Sharing a list (its owner only): invite links for "Can edit" or "Can view", and the members. */
export function ShareDialog({
  list,
  open,
  onClose,
}: {
  list: ListAnswer;
  open: boolean;
  onClose: () => void;
}) {
  return (
    <Dialog open={open} onClose={onClose} title={`Share “${list.name}”`}>
      <ShareBody list={list} />
      <div className="flex justify-end">
        <Button type="button" variant="outline" onClick={onClose}>
          Done
        </Button>
      </div>
    </Dialog>
  );
}
