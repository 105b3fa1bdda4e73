"use client";
import { useEffect, useId, useState, type FormEvent, type Ref } from "react";
import { Button } from "@/components/ui/button";
import { FieldError, Input, Label, Select, Textarea } from "@/components/ui/input";
import { PRIORITIES } from "@taskbridge/shared/task-rules";
import { emptyDraft, validateDraft, type DraftErrors, type TaskDraft } from "@/lib/task-cache";

/** The fields of a task; used to add one and to edit one. */
export function TaskForm({
  initial = emptyDraft,
  submitLabel,
  onSubmit,
  titleRef,
  compact = false,
  draftKey,
}: {
  initial?: TaskDraft;
  submitLabel: string;
  onSubmit: (draft: TaskDraft) => Promise<boolean> | boolean;
  titleRef?: Ref<HTMLInputElement>;
  compact?: boolean;
  /**
   * Keeps what was typed in this tab's session storage under this key until it is saved, so a
   * trip to the sign-in page (an ended session) does not lose it.
   */
  draftKey?: string;
}) {
  const id = useId();
  const [draft, setDraft] = useState<TaskDraft>(initial);
  const [errors, setErrors] = useState<DraftErrors>({});
  const [pending, setPending] = useState(false);
  const [expanded, setExpanded] = useState(!compact);

  useEffect(() => {
    if (!draftKey) return;
    const saved = sessionStorage.getItem(draftKey);
    if (!saved) return;
    try {
      const value: unknown = JSON.parse(saved);
      const text = (name: string, fallback: string): string => {
        if (typeof value !== "object" || value === null || !(name in value)) return fallback;
        const field: unknown = Reflect.get(value, name);
        return typeof field === "string" ? field : fallback;
      };
      const priority = text("priority", initial.priority);
      setDraft({
        title: text("title", initial.title),
        description: text("description", initial.description),
        priority: PRIORITIES.find((p) => p === priority) ?? initial.priority,
        dueDate: text("dueDate", initial.dueDate),
        tags: text("tags", initial.tags),
      });
    } catch {
      sessionStorage.removeItem(draftKey);
    }
    // Restored once, when the form first appears.
  }, [draftKey]);

  useEffect(() => {
    if (!draftKey) return;
    if (draft.title || draft.description || draft.tags || draft.dueDate)
      sessionStorage.setItem(draftKey, JSON.stringify(draft));
    else sessionStorage.removeItem(draftKey);
  }, [draft, draftKey]);

  const set = (field: keyof TaskDraft) => (event: { target: { value: string } }) =>
    setDraft((current) => ({ ...current, [field]: event.target.value }));

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    const found = validateDraft(draft);
    setErrors(found);
    const first = (["title", "description", "tags"] as const).find((name) => found[name]);
    if (first) {
      if (first !== "title") setExpanded(true);
      event.currentTarget.querySelector<HTMLElement>(`[name="${first}"]`)?.focus();
      return;
    }
    setPending(true);
    try {
      if (await onSubmit(draft)) {
        setDraft(initial);
        setErrors({});
      }
    } finally {
      setPending(false);
    }
  }

  const field = (name: keyof TaskDraft) => ({
    id: `${id}-${name}`,
    name,
    "aria-invalid": Boolean(errors[name]),
    "aria-describedby": errors[name] ? `${id}-${name}-error` : undefined,
  });

  return (
    <form onSubmit={submit} noValidate className="grid gap-3" aria-busy={pending}>
      <div className="grid gap-2">
        <Label htmlFor={`${id}-title`}>Title</Label>
        <div className="flex gap-2">
          <Input
            ref={titleRef}
            {...field("title")}
            value={draft.title}
            onChange={set("title")}
            maxLength={250}
            placeholder="What needs doing?"
          />
          {compact && !expanded ? (
            <Button type="submit" disabled={pending}>
              {submitLabel}
            </Button>
          ) : null}
        </div>
        <FieldError id={`${id}-title-error`} message={errors.title} />
      </div>
      {compact ? (
        <button
          type="button"
          className="justify-self-start text-sm text-muted-foreground underline underline-offset-4"
          aria-expanded={expanded}
          onClick={() => setExpanded((open) => !open)}
        >
          {expanded ? "Fewer details" : "More details"}
        </button>
      ) : null}
      {expanded ? (
        <>
          <div className="grid gap-2">
            <Label htmlFor={`${id}-description`}>Description</Label>
            <Textarea
              {...field("description")}
              value={draft.description}
              onChange={set("description")}
            />
            <FieldError id={`${id}-description-error`} message={errors.description} />
          </div>
          <div className="grid gap-3 sm:grid-cols-3">
            <div className="grid gap-2">
              <Label htmlFor={`${id}-priority`}>Priority</Label>
              <Select {...field("priority")} value={draft.priority} onChange={set("priority")}>
                <option value="low">Low</option>
                <option value="medium">Medium</option>
                <option value="high">High</option>
              </Select>
            </div>
            <div className="grid gap-2">
              <Label htmlFor={`${id}-dueDate`}>Due date</Label>
              <Input
                type="date"
                {...field("dueDate")}
                value={draft.dueDate}
                onChange={set("dueDate")}
              />
            </div>
            <div className="grid gap-2">
              <Label htmlFor={`${id}-tags`}>Tags</Label>
              <Input
                {...field("tags")}
                value={draft.tags}
                onChange={set("tags")}
                placeholder="work, home"
                aria-describedby={`${id}-tags-hint${errors.tags ? ` ${id}-tags-error` : ""}`}
              />
              <p id={`${id}-tags-hint`} className="sr-only">
                Separate tags with commas.
              </p>
              <FieldError id={`${id}-tags-error`} message={errors.tags} />
            </div>
          </div>
          <Button type="submit" disabled={pending} className="justify-self-start">
            {pending ? "Saving…" : submitLabel}
          </Button>
        </>
      ) : null}
    </form>
  );
}
