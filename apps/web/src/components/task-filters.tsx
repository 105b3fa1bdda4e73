"use client";
import { Search } from "lucide-react";
import { useEffect, useState, type Ref } from "react";
import { PRIORITIES, type Sort } from "@taskbridge/shared/task-rules";
import { Field } from "@/components/ui/field";
import { Input, Select } from "@/components/ui/input";
import type { Filters } from "@/lib/views";

const SORT_LABELS: ReadonlyArray<[Sort, string]> = [
  ["-created", "Newest first"],
  ["created", "Oldest first"],
  ["due_date", "Due date"],
  ["-priority", "Priority"],
  ["title", "Title"],
];

/** Text typed in a filter waits for a pause before it changes the URL (and the list). */
function useDebouncedText(value: string, commit: (text: string) => void) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (text === value) return;
    const timer = setTimeout(() => commit(text), 250);
    return () => clearTimeout(timer);
  }, [text, value, commit]);
  return [text, setText] as const;
}

/** Search, priority, tag and sort of the All and Completed views. */
export function TaskFilters({
  filters,
  onChange,
  searchRef,
  showSort,
}: {
  filters: Filters;
  onChange: (filters: Filters) => void;
  searchRef: Ref<HTMLInputElement>;
  showSort: boolean;
}) {
  const [q, setQ] = useDebouncedText(filters.q, (text) => onChange({ ...filters, q: text }));
  const [tag, setTag] = useDebouncedText(filters.tag, (text) =>
    onChange({ ...filters, tag: text }),
  );
  return (
    <section aria-label="Filters" className="grid grid-cols-2 gap-3 sm:grid-cols-6">
      <Field
        className="col-span-2 sm:col-span-3"
        label={
          <>
            Search
            {/* Touch screens have no keyboard to press it with. */}
            <span className="hidden pointer-fine:inline"> (press /)</span>
          </>
        }
      >
        {(control) => (
          <div className="relative">
            <Search
              aria-hidden
              className="pointer-events-none absolute left-3 top-3 size-4 text-muted-foreground"
            />
            <Input
              {...control}
              ref={searchRef}
              type="search"
              className="pl-9"
              value={q}
              onChange={(event) => setQ(event.target.value)}
              placeholder="Title or description"
            />
          </div>
        )}
      </Field>
      <Field label="Priority">
        {(control) => (
          <Select
            {...control}
            value={filters.priority}
            onChange={(event) =>
              onChange({
                ...filters,
                priority: PRIORITIES.find((p) => p === event.target.value) ?? "",
              })
            }
          >
            <option value="">Any</option>
            <option value="high">High</option>
            <option value="medium">Medium</option>
            <option value="low">Low</option>
          </Select>
        )}
      </Field>
      <Field label="Tag">
        {(control) => (
          <Input
            {...control}
            value={tag}
            onChange={(event) => setTag(event.target.value)}
            placeholder="Any tag"
          />
        )}
      </Field>
      {showSort ? (
        <Field label="Sort by">
          {(control) => (
            <Select
              {...control}
              value={filters.sort}
              onChange={(event) =>
                onChange({
                  ...filters,
                  sort:
                    SORT_LABELS.find(([value]) => value === event.target.value)?.[0] ??
                    filters.sort,
                })
              }
            >
              {SORT_LABELS.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </Select>
          )}
        </Field>
      ) : null}
    </section>
  );
}
