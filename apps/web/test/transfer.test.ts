// Export and import as the browser sends them, against a fake API: what goes out, what comes
// back in words.
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { ApiClient, ApiError } from "../src/lib/api-client.ts";
import { TokenManager } from "../src/lib/token-manager.ts";
import {
  csvFileName,
  describeImport,
  describeTodoist,
  importExport,
  importTargets,
  importTodoist,
  listNameFromFile,
} from "../src/lib/transfer.ts";

const key = new TextEncoder().encode("unit-test-key-that-is-long-enough-000");
const token = () =>
  new SignJWT({})
    .setProtectedHeader({ alg: "HS256" })
    .setSubject("u1")
    .setIssuedAt()
    .setExpirationTime("15m")
    .sign(key);

interface Sent {
  method: string;
  url: string;
  type: string | null;
  body: string;
}

/** A fake API answering every request with `answer`, recording what it was sent. */
function fakeApi(answer: () => Response) {
  const sent: Sent[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const body = init?.body;
    sent.push({
      method: init?.method ?? "GET",
      url: typeof input === "string" ? input : input instanceof URL ? input.href : input.url,
      type: new Headers(init?.headers).get("content-type"),
      body: body instanceof Blob ? await body.text() : typeof body === "string" ? body : "",
    });
    return answer();
  };
  const client = new ApiClient("http://api.test", new TokenManager(token), undefined, fetch);
  return { client, sent };
}

const json = (value: unknown, status = 200) =>
  new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": status < 400 ? "application/json" : "application/problem+json" },
  });

describe("importTodoist", () => {
  it("sends the file as text/csv with the person's date and time zone", async () => {
    const { client, sent } = fakeApi(() => json({ created: 3, subtasks: 1, skipped: [] }));
    const file = new Blob(["TYPE,CONTENT\ntask,Milk\n"], { type: "text/csv" });

    const report = await importTodoist(client, "list-1", file, {
      today: "2026-12-05",
      timeZone: "Europe/Berlin",
    });

    expect(report).toEqual({ created: 3, subtasks: 1, skipped: [] });
    expect(sent).toHaveLength(1);
    const [request] = sent;
    expect(request?.method).toBe("POST");
    const url = new URL(request?.url ?? "");
    expect(url.pathname).toBe("/api/lists/list-1/import/todoist");
    expect(url.searchParams.get("today")).toBe("2026-12-05");
    expect(url.searchParams.get("tz")).toBe("Europe/Berlin");
    expect(request?.type).toBe("text/csv");
    expect(request?.body).toBe("TYPE,CONTENT\ntask,Milk\n");
  });

  it("turns a refusal into the API's own detail", async () => {
    const { client } = fakeApi(() =>
      json(
        {
          type: "about:blank",
          title: "Unprocessable",
          status: 422,
          detail: "Not a Todoist CSV: no TYPE column",
        },
        422,
      ),
    );
    const error: unknown = await importTodoist(client, "l", new Blob(["x"])).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 422, detail: "Not a Todoist CSV: no TYPE column" });
  });
});

describe("importExport", () => {
  it("sends the file as JSON and reads the report", async () => {
    const report = { lists: { created: 2, updated: 0 }, tasks: { created: 14, updated: 1 } };
    const { client, sent } = fakeApi(() => json(report));
    await expect(importExport(client, new Blob(['{"format":"taskbridge"}']))).resolves.toEqual(
      report,
    );
    expect(sent[0]?.url).toBe("http://api.test/api/import");
    expect(sent[0]?.type).toBe("application/json");
    expect(sent[0]?.body).toBe('{"format":"taskbridge"}');
  });

  it("refuses an answer that is not a report", async () => {
    const { client } = fakeApi(() => json({ lists: 2 }));
    await expect(importExport(client, new Blob(["{}"]))).rejects.toThrow(/unexpected report/);
  });
});

describe("the reports in words", () => {
  it("counts what a JSON import made and changed", () => {
    expect(
      describeImport({ lists: { created: 2, updated: 0 }, tasks: { created: 14, updated: 0 } }),
    ).toBe("2 lists created, 14 tasks created");
    expect(
      describeImport({ lists: { created: 0, updated: 1 }, tasks: { created: 1, updated: 3 } }),
    ).toBe("0 lists created, 1 list updated, 1 task created, 3 tasks updated");
  });

  it("says how many of a Todoist import's tasks are subtasks", () => {
    expect(describeTodoist({ created: 1, subtasks: 0, skipped: [] })).toBe("1 task created");
    expect(describeTodoist({ created: 5, subtasks: 1, skipped: [] })).toBe(
      "5 tasks created, 1 of them a subtask",
    );
    expect(describeTodoist({ created: 5, subtasks: 2, skipped: [] })).toBe(
      "5 tasks created, 2 of them subtasks",
    );
  });
});

describe("file and list names", () => {
  it("names a list's CSV after the list, without characters file systems refuse", () => {
    expect(csvFileName("Groceries")).toBe("Groceries.csv");
    expect(csvFileName("Work / Home: 2027?")).toBe("Work _ Home_ 2027_.csv");
    expect(csvFileName("..")).toBe("list.csv");
  });

  it("names a new list after the file it imports", () => {
    expect(listNameFromFile("Groceries.csv")).toBe("Groceries");
    expect(listNameFromFile(" Home projects.CSV")).toBe("Home projects");
    expect(listNameFromFile(".csv")).toBe("Imported from Todoist");
    expect(listNameFromFile(`${"a".repeat(150)}.csv`)).toHaveLength(100);
  });
});

describe("importTargets", () => {
  const list = (name: string, role: "owner" | "editor" | "viewer", archived = false) => ({
    id: name,
    name,
    color: "gray" as const,
    is_inbox: name === "Inbox",
    archived,
    owner_id: "u1",
    owner_name: "Ada",
    role,
    member_count: role === "owner" ? 1 : 2,
    pending_count: 0,
    task_count: 0,
    created_at: "2026-12-01T00:00:00.000Z",
    updated_at: "2026-12-01T00:00:00.000Z",
  });

  it("offers the lists the person may write to, and no archived one", () => {
    const lists = [
      list("Inbox", "owner"),
      list("Mine", "owner"),
      list("Shared to edit", "editor"),
      list("Shared to read", "viewer"),
      list("Old", "owner", true),
      list("Old shared", "editor", true),
    ];
    expect(importTargets(lists).map((target) => target.name)).toEqual([
      "Inbox",
      "Mine",
      "Shared to edit",
    ]);
  });
});
