// CalDAV with the clients people sync from a terminal: vdirsyncer (Debian's) keeps a folder of
// .ics files in step with Taskbridge, and todoman (Debian's) makes, completes and lists tasks in
// that folder. Each change made there reaches the REST API, and each change made on the REST API
// (as the board makes them) reaches todoman after the next sync.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { makeList, person, tasksOf } from "./support/dav.ts";
import { listen } from "./support/http.ts";

const database = await useTestDatabase();
let t: TestApp;
let origin: string;
let dir: string;

beforeAll(async () => {
  t = await buildTestApp({ databaseUrl: database.url, mode: "hs256" });
  origin = await listen(t.app);
  dir = await mkdtemp(join(tmpdir(), "taskbridge-vdirsyncer-"));
});
afterAll(async () => {
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

const VDIRSYNCER = "/usr/bin/vdirsyncer";
const TODOMAN = "/usr/bin/todoman";
const hasClients = existsSync(VDIRSYNCER) && existsSync(TODOMAN);
if (!hasClients)
  console.warn("SKIPPED: the vdirsyncer and todoman tests need Debian's vdirsyncer and todoman");

/** Runs a command (answering its questions with `input`); its output, or a failure with it. */
function run(command: string, args: string[], input = ""): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, TZ: "UTC", LANG: "C.UTF-8", LC_ALL: "C.UTF-8", HOME: dir },
      timeout: 60_000,
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(" ")} failed:\n${out}`)),
    );
    child.stdin.end(input);
  });
}

interface TodomanTodo {
  id: number;
  summary: string;
  list: string;
  priority: number;
  due: number | null;
  completed: boolean;
}

describe("vdirsyncer and todoman", () => {
  it.skipIf(!hasClients)(
    "syncs a folder both ways: todoman's new and done reach the REST API, the board's edits reach todoman",
    { timeout: 120_000 },
    async () => {
      const ada = await person(t, origin);
      const errands = await makeList(ada, "Errands");
      const chore = await ada.api.create({
        title: "Recurring chore",
        list_id: errands.id,
        due_date: "2026-12-07",
        recurrence: "FREQ=WEEKLY",
      });

      const vdirsyncer = join(dir, "vdirsyncer.conf");
      await writeFile(
        vdirsyncer,
        `[general]
status_path = "${dir}/status/"

[pair taskbridge]
a = "taskbridge_local"
b = "taskbridge_remote"
collections = ["from b"]
metadata = ["displayname"]

[storage taskbridge_local]
type = "filesystem"
path = "${dir}/calendars/"
fileext = ".ics"

[storage taskbridge_remote]
type = "caldav"
url = "${origin}/"
username = "${ada.email}"
password = "${ada.password}"
item_types = ["VTODO"]
`,
      );
      const todoman = join(dir, "todoman.py");
      await writeFile(
        todoman,
        `path = "${dir}/calendars/*"
date_format = "%Y-%m-%d"
time_format = "%H:%M"
default_list = "Errands"
cache_path = "${dir}/todoman-cache.sqlite3"
`,
      );
      const sync = async () => {
        await run(VDIRSYNCER, ["-c", vdirsyncer, "sync"]);
        await run(VDIRSYNCER, ["-c", vdirsyncer, "metasync"]);
      };
      const todo = (...args: string[]) => run(TODOMAN, ["--config", todoman, ...args]);
      const listed = async (...args: string[]) =>
        JSON.parse(await todo("--porcelain", "list", ...args)) as TodomanTodo[];

      await run(VDIRSYNCER, ["-c", vdirsyncer, "discover"], "y\n".repeat(20));
      await sync();
      expect((await listed()).map((one) => [one.summary, one.list])).toEqual([
        ["Recurring chore", "Errands"],
      ]);

      await todo(
        "new",
        "-l",
        "Errands",
        "--priority",
        "high",
        "--due",
        "2027-01-10 09:00",
        "Buy stamps",
      );
      const choreId = (await listed()).find((one) => one.summary === "Recurring chore")?.id;
      await todo("done", String(choreId));
      await sync();

      const tasks = await tasksOf(ada, errands.id);
      const stamps = tasks.find((one) => one.title === "Buy stamps");
      expect(stamps).toMatchObject({ priority: "high", due_date: "2027-01-10", due_time: "09:00" });
      const chores = tasks.filter((one) => one.title === "Recurring chore");
      // todoman completes the old one without its RRULE and uploads the next itself: one open.
      expect(chores.filter((one) => !one.completed)).toHaveLength(1);
      expect(chores.find((one) => !one.completed)?.due_date).toBe("2026-12-14");
      expect(chores.find((one) => one.id === chore.id)?.completed).toBe(true);

      // A change made on the board appears in todoman after the next sync.
      await ada.api.update(stamps?.id ?? "", { title: "Buy ten stamps" });
      await sync();
      expect((await listed()).map((one) => one.summary).sort()).toEqual([
        "Buy ten stamps",
        "Recurring chore",
      ]);
    },
  );
});
