// People with app passwords and raw CalDAV requests, for the CalDAV tests.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { promisify } from "node:util";
import { z } from "zod";
import { ListSchema, type List } from "@taskbridge/shared/list";
import { TaskSchema, type Task } from "@taskbridge/shared/task";
import type { TestApp } from "./app.ts";
import { ApiClient } from "./http.ts";

export const PYTHON = "/usr/bin/python3";

/** Whether Debian's python3-caldav (with python3-icalendar) is installed. */
export const hasPythonCaldav =
  existsSync(PYTHON) &&
  (await promisify(execFile)(PYTHON, ["-c", "import caldav, icalendar"]).then(
    () => true,
    () => false,
  ));

/** Runs a Python script with arguments; its standard output. */
export async function python(script: string, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(PYTHON, ["-c", script, ...args], {
    timeout: 60_000,
  });
  return stdout;
}

export interface Person {
  id: string;
  email: string;
  api: ApiClient;
  password: string;
}

/** A new account, its REST client and a read-and-write (or read-only) app password. */
export async function person(
  t: TestApp,
  origin: string,
  scope: "read_write" | "read_only" = "read_write",
): Promise<Person> {
  const id = await t.createUser();
  const token = await t.tokenFor(id);
  const api = new ApiClient(origin, () => token);
  const { rows } = await t.pool.query<{ email: string }>('select email from "user" where id = $1', [
    id,
  ]);
  const made = await api.expect(
    201,
    z.object({ password: z.string() }),
    "POST",
    "/api/app-passwords",
    { name: "CalDAV", scope },
  );
  return { id, email: rows[0]?.email ?? "", api, password: made.data.password };
}

/** HTTP Basic of a person (the email upper-cased: it is read case-insensitively). */
export const basic = (who: Pick<Person, "email" | "password">, password = who.password) =>
  `Basic ${Buffer.from(`${who.email.toUpperCase()}:${password}`).toString("base64")}`;

/** A list made on the REST API. */
export async function makeList(who: Person, name: string): Promise<List> {
  return (await who.api.expect(201, ListSchema, "POST", "/api/lists", { name })).data;
}

/** `guest` joins `owner`'s list with `role`. */
export async function share(owner: Person, list: List, guest: Person, role: "editor" | "viewer") {
  const invite = await owner.api.expect(
    201,
    z.object({ token: z.string() }),
    "POST",
    `/api/lists/${list.id}/invites`,
    { role },
  );
  await guest.api.expect(200, ListSchema, "POST", `/api/invites/${invite.data.token}/accept`);
}

/** A CalDAV request as `who`. */
export function davRequest(
  origin: string,
  who: Pick<Person, "email" | "password">,
  method: string,
  path: string,
  options: { body?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  return fetch(`${origin}${path}`, {
    method,
    headers: { authorization: basic(who), ...options.headers },
    ...(options.body === undefined ? {} : { body: options.body }),
  });
}

/** iCalendar text of lines, CRLF-ended. */
export const ics = (...lines: string[]) => `${lines.join("\r\n")}\r\n`;

/** A VCALENDAR around VTODO lines. */
export const vtodo = (...lines: string[]) =>
  ics(
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Example//Tasks 1.0//EN",
    "BEGIN:VTODO",
    ...lines,
    "END:VTODO",
    "END:VCALENDAR",
  );

/** A list's tasks, as the REST API gives them. */
export const tasksOf = async (who: Person, listId: string): Promise<Task[]> =>
  (await who.api.expect(200, z.array(TaskSchema), "GET", `/api/tasks?list=${listId}&limit=100`))
    .data;
