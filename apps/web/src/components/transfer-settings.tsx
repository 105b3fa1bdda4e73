"use client";
import { useQueryClient } from "@tanstack/react-query";
import { Download, LoaderCircle, Upload } from "lucide-react";
import Link from "next/link";
import { useId, useState, type FormEvent, type ReactNode } from "react";
import { useApi } from "@/components/providers";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { FieldError, Input, Select } from "@/components/ui/input";
import { describeError } from "@/hooks/use-task-mutations";
import { useLists } from "@/hooks/use-task-queries";
import {
  describeImport,
  describeTodoist,
  exportAll,
  importExport,
  importTargets,
  importTodoist,
  listNameFromFile,
  type TodoistReport,
} from "@/lib/transfer";

// "Import and export" on the account page: the JSON export of everything the person owns and
// its import, and a Todoist CSV into one of their lists or a new one.

type Job = "export" | "json" | "todoist";

/** One job at a time: while an import runs, every control of the section waits. */
function useJobs() {
  const [running, setRunning] = useState<Job | null>(null);
  const run = async (job: Job, work: () => Promise<void>) => {
    if (running) return;
    setRunning(job);
    try {
      await work();
    } finally {
      setRunning(null);
    }
  };
  return { running, run };
}

/** The file a form's file input holds, or null when none was chosen. */
function chosenFile(form: HTMLFormElement): File | null {
  const file = new FormData(form).get("file");
  return file instanceof File && file.name !== "" ? file : null;
}

const NEW_LIST = "new";

/** A file input as tall as the other fields, its button drawn like the page's own. */
const FILE_INPUT =
  "h-auto min-h-10 py-1.5 file:mr-3 file:h-7 file:rounded-sm file:border-0 file:bg-muted file:px-3 file:text-sm file:font-medium file:text-foreground";

function Spinner() {
  return <LoaderCircle aria-hidden className="animate-spin motion-reduce:animate-none" />;
}

/** What the last import did, or that one is under way: announced as it changes. */
function Outcome({ busy, children }: { busy: boolean; children: ReactNode }) {
  return (
    <div role="status" className="grid gap-2 text-sm">
      {busy ? <p className="text-muted-foreground">Importing…</p> : children}
    </div>
  );
}

export function TransferSettings() {
  const api = useApi();
  const queryClient = useQueryClient();
  const lists = useLists();
  const { running, run } = useJobs();
  const [exportError, setExportError] = useState<string>();
  const [jsonError, setJsonError] = useState<string>();
  const [jsonReport, setJsonReport] = useState<string>();
  const [todoistError, setTodoistError] = useState<string>();
  const [todoistReport, setTodoistReport] = useState<{
    report: TodoistReport;
    list: { id: string; name: string };
  }>();
  const [target, setTarget] = useState(NEW_LIST);
  const skippedId = useId();

  const targets = importTargets(lists.data ?? []);
  const busy = running !== null;

  // The board, its counts and the lists show what was imported when next looked at.
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: ["tasks"] }),
      queryClient.invalidateQueries({ queryKey: ["lists"] }),
    ]);

  const onExport = () =>
    run("export", async () => {
      setExportError(undefined);
      try {
        await exportAll(api);
      } catch (error) {
        setExportError(`Could not export: ${describeError(error)}`);
      }
    });

  const onImportJson = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const file = chosenFile(form);
    setJsonReport(undefined);
    if (!file) return setJsonError("Choose a Taskbridge export (.json) to import.");
    setJsonError(undefined);
    void run("json", async () => {
      try {
        const report = await importExport(api, file);
        setJsonReport(describeImport(report));
        form.reset();
        await refresh();
      } catch (error) {
        setJsonError(describeError(error));
      }
    });
  };

  const onImportTodoist = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const file = chosenFile(form);
    setTodoistReport(undefined);
    if (!file) return setTodoistError("Choose a Todoist CSV file to import.");
    // A list chosen, then archived or left meanwhile, is not swapped for a new one.
    const chosen = target === NEW_LIST ? null : targets.find((list) => list.id === target);
    if (chosen === undefined) {
      setTarget(NEW_LIST);
      return setTodoistError("That list no longer takes imports: choose another.");
    }
    setTodoistError(undefined);
    void run("todoist", async () => {
      try {
        const list =
          chosen ?? (await api.createList({ name: listNameFromFile(file.name), color: "gray" }));
        let report: TodoistReport;
        try {
          report = await importTodoist(api, list.id, file);
        } catch (error) {
          // A list made for this file and then refused its contents would be left empty.
          if (!chosen) await api.deleteList(list.id).catch(() => undefined);
          throw error;
        }
        setTodoistReport({ report, list: { id: list.id, name: list.name } });
        form.reset();
        await refresh();
      } catch (error) {
        setTodoistError(describeError(error));
      }
    });
  };

  return (
    <Card aria-labelledby="transfer-heading" aria-busy={busy}>
      <h2 id="transfer-heading" className="mb-3 font-semibold">
        Import and export
      </h2>
      <div className="grid gap-6">
        <section aria-labelledby="export-heading" className="grid justify-items-start gap-2">
          <h3 id="export-heading" className="text-sm font-semibold">
            Export
          </h3>
          <p className="text-sm text-muted-foreground">
            Every list you own, the Inbox and archived ones included, with all their tasks and
            subtasks, in one file you can import here again. Each list can also be exported on its
            own for Todoist, from its options on the board.
          </p>
          <Button variant="outline" disabled={busy} onClick={() => void onExport()}>
            {running === "export" ? <Spinner /> : <Download aria-hidden />}
            {running === "export" ? "Exporting…" : "Export all (JSON)"}
          </Button>
          <FieldError id="export-error" message={exportError} />
        </section>

        <section aria-labelledby="import-json-heading" className="grid gap-2">
          <h3 id="import-json-heading" className="text-sm font-semibold">
            Import a Taskbridge export
          </h3>
          <p className="text-sm text-muted-foreground">
            Its lists and tasks are added to your account. Importing the same file again updates
            what it added the first time instead of adding it twice.
          </p>
          <form
            method="post"
            onSubmit={onImportJson}
            noValidate
            aria-busy={running === "json"}
            className="grid gap-2 sm:max-w-md"
          >
            <fieldset disabled={busy} className="grid gap-2">
              <Field label="Taskbridge export file" error={jsonError}>
                {(control) => (
                  <Input
                    {...control}
                    name="file"
                    type="file"
                    accept=".json,application/json"
                    className={FILE_INPUT}
                  />
                )}
              </Field>
              <Button type="submit" className="justify-self-start">
                {running === "json" ? <Spinner /> : <Upload aria-hidden />}
                {running === "json" ? "Importing…" : "Import Taskbridge export"}
              </Button>
            </fieldset>
            <Outcome busy={running === "json"}>
              {jsonReport ? (
                <p>
                  Imported: {jsonReport}.{" "}
                  <Link href="/tasks?view=all" className="underline underline-offset-4">
                    See them on the board
                  </Link>
                </p>
              ) : null}
            </Outcome>
          </form>
        </section>

        <section aria-labelledby="import-todoist-heading" className="grid gap-2">
          <h3 id="import-todoist-heading" className="text-sm font-semibold">
            Import from Todoist
          </h3>
          <p className="text-sm text-muted-foreground">
            A project exported from Todoist as a CSV file. Sections become tags, @labels become
            tags, indented tasks become subtasks; dates without a time zone are read in yours.
          </p>
          <form
            method="post"
            onSubmit={onImportTodoist}
            noValidate
            aria-busy={running === "todoist"}
            className="grid gap-2 sm:max-w-md"
          >
            <fieldset disabled={busy} className="grid gap-2">
              <Field label="Todoist CSV file" error={todoistError}>
                {(control) => (
                  <Input
                    {...control}
                    name="file"
                    type="file"
                    accept=".csv,text/csv"
                    className={FILE_INPUT}
                  />
                )}
              </Field>
              <Field label="Import into">
                {(control) => (
                  <Select
                    {...control}
                    name="list"
                    value={target}
                    onChange={(event) => setTarget(event.target.value)}
                  >
                    <option value={NEW_LIST}>New list named after the file</option>
                    {targets.map((list) => (
                      <option key={list.id} value={list.id}>
                        {list.role === "owner" ? list.name : `${list.name} (${list.owner_name})`}
                      </option>
                    ))}
                  </Select>
                )}
              </Field>
              <Button type="submit" className="justify-self-start">
                {running === "todoist" ? <Spinner /> : <Upload aria-hidden />}
                {running === "todoist" ? "Importing…" : "Import Todoist CSV"}
              </Button>
            </fieldset>
            <Outcome busy={running === "todoist"}>
              {todoistReport ? (
                <>
                  <p>
                    Imported into “{todoistReport.list.name}”:{" "}
                    {describeTodoist(todoistReport.report)}.{" "}
                    <Link
                      href={`/tasks?list=${todoistReport.list.id}`}
                      className="underline underline-offset-4"
                    >
                      Open the list
                    </Link>
                  </p>
                  {todoistReport.report.skipped.length > 0 ? (
                    <>
                      <p id={skippedId}>
                        {todoistReport.report.skipped.length === 1
                          ? "1 row was not imported as written:"
                          : `${todoistReport.report.skipped.length} rows were not imported as written:`}
                      </p>
                      <ul aria-labelledby={skippedId} className="grid list-disc gap-1 pl-5">
                        {todoistReport.report.skipped.map((row) => (
                          <li key={`${row.row}-${row.reason}`}>
                            Row {row.row}: {row.reason}
                          </li>
                        ))}
                      </ul>
                    </>
                  ) : null}
                </>
              ) : null}
            </Outcome>
          </form>
        </section>
      </div>
    </Card>
  );
}
