"use client";
import { X } from "lucide-react";
import {
  lazy,
  Suspense,
  useEffect,
  useMemo,
  useRef,
  useState,
  type FormEvent,
  type Ref,
} from "react";
import { PRIORITIES } from "@taskbridge/shared/task-rules";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { describeDate } from "@/lib/dates";
import { focusFirstError } from "@/lib/focus";
import {
  parseQuickAdd,
  quickAddInput,
  type Chip,
  type DateParser,
  type QuickAddList,
} from "@/lib/quick-add";
import {
  emptyDraft,
  revalidate,
  validateDraft,
  type DraftErrors,
  type TaskDraft,
  type TaskInput,
} from "@/lib/task-draft";
import { cn } from "@/lib/utils";

// The other fields are opened on demand, so they load on demand too.
const TaskFields = lazy(() =>
  import("@/components/task-fields").then((module) => ({ default: module.TaskFields })),
);

const DRAFT_KEY = "taskbridge:new-task";
/** The chip of the date a task added in the Today view gets unless the text names another. */
const DEFAULT_DATE = "date:default";

// chrono-node is large: it is fetched the first time the person types a title, not with the page.
let dateParser: Promise<DateParser> | undefined;
function loadDateParser(): Promise<DateParser> {
  dateParser ??= import("@taskbridge/shared/chrono-dates").then((module) => module.parseDates);
  return dateParser;
}

function restoreDraft(): TaskDraft | null {
  const saved = sessionStorage.getItem(DRAFT_KEY);
  if (!saved) return null;
  try {
    const value: unknown = JSON.parse(saved);
    if (typeof value !== "object" || value === null) return null;
    const text = (name: keyof TaskDraft) => {
      const field: unknown = Reflect.get(value, name);
      return typeof field === "string" ? field : emptyDraft[name];
    };
    const priority = text("priority");
    return {
      title: text("title"),
      description: text("description"),
      priority: PRIORITIES.find((p) => p === priority) ?? "medium",
      dueDate: text("dueDate"),
      dueTime: text("dueTime"),
      recurrence: text("recurrence"),
      remindAt: text("remindAt"),
      tags: text("tags"),
    };
  } catch {
    sessionStorage.removeItem(DRAFT_KEY);
    return null;
  }
}

const NO_LISTS: readonly QuickAddList[] = [];

/**
 * The new-task form. Its title field reads dates, `#tags`, `^list`, `!priority` and "every …"
 * as the person types, shows them as chips (each removable), and can open the other fields.
 */
export function QuickAdd({
  titleRef,
  defaultDate,
  lists = NO_LISTS,
  defaultListId,
  onAdd,
  today,
}: {
  titleRef: Ref<HTMLInputElement>;
  /** A due date to give tasks whose text names none (the Today view's date). */
  defaultDate: string | null;
  /** The lists `^name` may pick: those the person can add tasks to. */
  lists?: readonly QuickAddList[];
  /** The list to add to when the text names none (the open list); without it, the Inbox. */
  defaultListId?: string;
  onAdd: (input: TaskInput) => void;
  today: string;
}) {
  const [draft, setDraft] = useState<TaskDraft>(emptyDraft);
  const [errors, setErrors] = useState<DraftErrors>({});
  const [expanded, setExpanded] = useState(false);
  const [parser, setParser] = useState<DateParser | null>(null);
  const [removed, setRemoved] = useState<ReadonlySet<string>>(new Set());
  const restored = useRef(false);

  // What was typed is kept in this tab's session storage until it is saved, so a trip to the
  // sign-in page (an ended session) does not lose it.
  useEffect(() => {
    const saved = restoreDraft();
    restored.current = true;
    if (saved) {
      setDraft(saved);
      if (saved.title) void loadDateParser().then((parse) => setParser(() => parse));
    }
  }, []);
  useEffect(() => {
    if (!restored.current) return;
    if (Object.entries(draft).some(([name, value]) => name !== "priority" && value !== ""))
      sessionStorage.setItem(DRAFT_KEY, JSON.stringify(draft));
    else sessionStorage.removeItem(DRAFT_KEY);
  }, [draft]);

  const parsed = useMemo(
    () => parseQuickAdd(draft.title, parser, new Date(), removed, lists),
    // `today` re-reads relative words ("tomorrow") when the date changes; `lists` reads a
    // restored draft's `^name` again once the lists have loaded.
    [draft.title, parser, removed, lists, today],
  );
  const useDefaultDate =
    defaultDate !== null && !parsed.dueDate && !draft.dueDate && !removed.has(DEFAULT_DATE);
  // Nothing typed yet: nothing understood to show.
  const showChips = draft.title.trim() !== "";
  const chips: Chip[] = [
    ...(useDefaultDate
      ? [{ key: DEFAULT_DATE, kind: "date" as const, label: describeDate(defaultDate, today) }]
      : []),
    ...parsed.chips,
  ];

  const change = (field: keyof TaskDraft, value: string) => {
    const next = { ...draft, [field]: value };
    setDraft(next);
    setErrors((current) => revalidate(current, next));
    if (field === "title" && !parser) void loadDateParser().then((parse) => setParser(() => parse));
  };

  /** The form's fields with what quick add read from the title laid over them. */
  const merged = (parse: typeof parsed): TaskDraft => ({
    ...draft,
    title: parse.title,
    dueDate: parse.dueDate ?? (draft.dueDate || (useDefaultDate ? defaultDate : "")),
    dueTime: parse.dueTime ?? draft.dueTime,
    recurrence: parse.recurrence ?? draft.recurrence,
    priority: parse.priority ?? draft.priority,
    tags: [draft.tags, ...parse.tags].filter(Boolean).join(", "),
  });

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    // Typed and sent before the date parser arrived: read the text with it first.
    const parse =
      parser === null && draft.title.trim()
        ? parseQuickAdd(draft.title, await loadDateParser(), new Date(), removed, lists)
        : parsed;
    const final = merged(parse);
    const found = validateDraft(final);
    setErrors(found);
    if (Object.keys(found).some((name) => name !== "title")) setExpanded(true);
    if (focusFirstError(form, found)) return;
    onAdd(quickAddInput(final, parse.listId, defaultListId));
    // Waiting for the date parser, the person may have typed the next task already: keep it.
    setDraft((current) => (current.title === draft.title ? emptyDraft : current));
    setRemoved(new Set());
    setErrors({});
    setExpanded(false);
  }

  return (
    <form method="post" onSubmit={submit} noValidate className="grid gap-2" aria-label="New task">
      <Field
        label="Title"
        hint={`Dates, #tags, ${lists.length > 0 ? "^list, " : ""}!high or !low and “every …” in the title are understood.`}
        error={errors.title}
      >
        {(control) => (
          <div className="flex gap-2">
            <Input
              {...control}
              ref={titleRef}
              name="title"
              value={draft.title}
              onChange={(event) => change("title", event.target.value)}
              maxLength={250}
              autoComplete="off"
              placeholder="Pay rent tomorrow 9am #home !high"
            />
            <Button type="submit">Add task</Button>
          </div>
        )}
      </Field>
      <div className="flex flex-wrap items-center gap-1.5">
        {showChips && chips.length > 0 ? (
          <ul aria-label="Understood" className="flex flex-wrap gap-1.5">
            {chips.map((chip) => (
              <li key={chip.key}>
                <button
                  type="button"
                  className={cn(
                    "inline-flex min-h-8 items-center gap-1 rounded-full border border-input bg-muted px-2.5 text-xs font-medium hover:bg-accent focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring pointer-coarse:min-h-11",
                    chip.kind === "priority" && chip.label.startsWith("High") && "text-destructive",
                  )}
                  aria-label={`Remove ${chip.label}`}
                  onClick={() => setRemoved((current) => new Set([...current, chip.key]))}
                >
                  {chip.label}
                  <X aria-hidden className="size-3" />
                </button>
              </li>
            ))}
          </ul>
        ) : null}
        <button
          type="button"
          className="ml-auto min-h-8 text-sm text-muted-foreground underline underline-offset-4 pointer-coarse:min-h-11"
          aria-expanded={expanded}
          onClick={() => setExpanded((open) => !open)}
        >
          {expanded ? "Fewer details" : "More details"}
        </button>
      </div>
      {expanded ? (
        <Suspense fallback={<p className="text-sm text-muted-foreground">Loading…</p>}>
          <TaskFields draft={draft} errors={errors} onChange={change} />
        </Suspense>
      ) : null}
    </form>
  );
}
