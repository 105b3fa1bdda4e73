"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { toast } from "@/lib/toast";
import type { ListAnswer } from "@taskbridge/shared/list-mini";
import { LIST_COLORS, LIST_NAME_MAX, type ListColor } from "@taskbridge/shared/list-rules";
import { LIST_SWATCH } from "@/components/list-nav";
import { useApi } from "@/components/providers";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { describeError } from "@/hooks/use-task-mutations";
import { listsKey } from "@/hooks/use-task-queries";
import { ApiError } from "@/lib/api-client";
import { cn } from "@/lib/utils";

// The dialogs of the lists: new, rename, colour, delete and leave. They open on demand and are
// loaded then, not with the board.

const COLOR_NAMES: Record<ListColor, string> = {
  gray: "Gray",
  red: "Red",
  orange: "Orange",
  yellow: "Yellow",
  green: "Green",
  teal: "Teal",
  blue: "Blue",
  purple: "Purple",
  pink: "Pink",
};

function ColorChoice({
  value,
  onChange,
}: {
  value: ListColor;
  onChange: (color: ListColor) => void;
}) {
  return (
    <fieldset className="grid gap-2">
      <legend className="mb-1 text-sm font-medium">Colour</legend>
      <div className="grid grid-cols-3 gap-2">
        {LIST_COLORS.map((color) => (
          <label
            key={color}
            className="flex min-h-10 cursor-pointer items-center gap-2 rounded-md border px-2 text-sm has-checked:border-ring has-checked:bg-accent has-focus-visible:ring-2 has-focus-visible:ring-ring"
          >
            <input
              type="radio"
              name="color"
              value={color}
              checked={value === color}
              onChange={() => onChange(color)}
              className="size-4 accent-primary"
            />
            <span aria-hidden className={cn("size-3 rounded-full", LIST_SWATCH[color])} />
            {COLOR_NAMES[color]}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

export type ListFormMode = "create" | "rename" | "colour";

const TITLES: Record<ListFormMode, string> = {
  create: "New list",
  rename: "Rename list",
  colour: "List colour",
};

/** "New list" (name and colour), "Rename" (name) or "Colour" (colour) of one list. */
export function ListFormDialog({
  mode,
  list,
  onClose,
  onSaved,
}: {
  mode: ListFormMode;
  list?: ListAnswer;
  onClose: () => void;
  onSaved?: (list: ListAnswer) => void;
}) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [name, setName] = useState(list?.name ?? "");
  const [color, setColor] = useState<ListColor>(list?.color ?? "gray");
  const [error, setError] = useState<string>();
  const save = useMutation({
    mutationFn: () => {
      if (mode === "create") return api.createList({ name: name.trim(), color });
      if (!list) throw new Error("no list to change");
      return api.updateList(list.id, mode === "rename" ? { name: name.trim() } : { color });
    },
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: listsKey });
      onSaved?.(saved);
      onClose();
    },
    onError: (failure) => {
      const field =
        failure instanceof ApiError
          ? failure.fieldErrors.find((item) => item.field === "name")
          : undefined;
      setError(field?.message ?? describeError(failure));
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (mode !== "colour" && !name.trim()) {
      setError("Give the list a name.");
      return;
    }
    setError(undefined);
    save.mutate();
  }

  return (
    <Dialog open onClose={onClose} title={TITLES[mode]}>
      <form method="post" onSubmit={submit} noValidate className="grid gap-4">
        {mode !== "colour" ? (
          <Field label="Name" error={error}>
            {(control) => (
              <Input
                {...control}
                name="name"
                autoFocus
                value={name}
                maxLength={LIST_NAME_MAX}
                onChange={(event) => setName(event.target.value)}
              />
            )}
          </Field>
        ) : error ? (
          <p role="alert" className="text-sm font-medium text-destructive">
            {error}
          </p>
        ) : null}
        {mode !== "rename" ? <ColorChoice value={color} onChange={setColor} /> : null}
        <div className="flex flex-wrap justify-end gap-2">
          <Button type="button" variant="outline" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" disabled={save.isPending}>
            {mode === "create" ? "Create list" : "Save"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

function Confirm({
  title,
  children,
  action,
  pending,
  onConfirm,
  onClose,
}: {
  title: string;
  children: React.ReactNode;
  action: string;
  pending: boolean;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Dialog open onClose={onClose} title={title}>
      {children}
      <div className="flex flex-wrap justify-end gap-2">
        <Button type="button" variant="outline" autoFocus onClick={onClose}>
          Cancel
        </Button>
        <Button type="button" variant="destructive" disabled={pending} onClick={onConfirm}>
          {action}
        </Button>
      </div>
    </Dialog>
  );
}

const tasksIn = (count: number) => (count === 1 ? "1 task" : `${count} tasks`);

/** Deleting a list takes its tasks: the dialog says how many. */
export function DeleteListDialog({
  list,
  onClose,
  onDeleted,
}: {
  list: ListAnswer;
  onClose: () => void;
  onDeleted: () => void;
}) {
  const api = useApi();
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: () => api.deleteList(list.id),
    onSuccess: () => {
      onDeleted();
      onClose();
      toast(`Deleted “${list.name}”`);
      void queryClient.invalidateQueries({ queryKey: ["tasks"] });
    },
    onError: (failure) => toast.error(`Could not delete the list: ${describeError(failure)}`),
  });
  const others = list.member_count - 1;
  return (
    <Confirm
      title={`Delete “${list.name}”?`}
      action="Delete list"
      pending={remove.isPending}
      onConfirm={() => remove.mutate()}
      onClose={onClose}
    >
      <p>
        {list.task_count === 0
          ? "It has no tasks."
          : `Its ${tasksIn(list.task_count)} will be deleted with it.`}{" "}
        {others > 0
          ? `${others === 1 ? "The other member loses" : `The ${others} other members lose`} it too. `
          : ""}
        This cannot be undone.
      </p>
    </Confirm>
  );
}

/** A member leaves a shared list: its tasks go out of their board. */
export function LeaveListDialog({
  list,
  userId,
  onClose,
  onLeft,
}: {
  list: ListAnswer;
  userId: string;
  onClose: () => void;
  onLeft: () => void;
}) {
  const api = useApi();
  const queryClient = useQueryClient();
  const leave = useMutation({
    mutationFn: () => api.removeMember(list.id, userId),
    onSuccess: () => {
      onLeft();
      onClose();
      toast(`You left “${list.name}”`);
      void queryClient.invalidateQueries({ queryKey: ["tasks"] });
    },
    onError: (failure) => toast.error(`Could not leave the list: ${describeError(failure)}`),
  });
  return (
    <Confirm
      title={`Leave “${list.name}”?`}
      action="Leave list"
      pending={leave.isPending}
      onConfirm={() => leave.mutate()}
      onClose={onClose}
    >
      <p>Its tasks leave your board. {list.owner_name} can invite you again with a new link.</p>
    </Confirm>
  );
}
