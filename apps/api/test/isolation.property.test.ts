// The isolation property with sharing: random sequences of list, membership and task changes by
// several users, over real HTTP with real tokens on a real database. After every step, what each
// user sees through every read route equals what a small model says they may see, and every write
// their role forbids is refused (403 for a member, 404 for anyone else) and changes nothing.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ListSchema, MemberSchema } from "@taskbridge/shared/list";
import { TaskSchema, TaskStatsSchema } from "@taskbridge/shared/task";
import { useTestDatabase } from "../../../tests/fixtures.ts";
import { buildTestApp, type TestApp } from "./support/app.ts";
import { ApiClient } from "./support/http.ts";
import { TEST_AUDIENCE, type TestIssuer } from "./support/issuer.ts";
import { connectedUser, connectMcp } from "./support/mcp.ts";

const database = await useTestDatabase();
const USERS = 3;
const TODAY = "2026-06-01";
const DUE = "2026-01-01";

type Role = "owner" | "editor" | "viewer";
const RANK: Record<Role, number> = { viewer: 1, editor: 2, owner: 3 };

interface ModelList {
  id: string;
  owner: number;
  inbox: boolean;
  archived: boolean;
  members: Map<number, Role>;
}
interface ModelInvite {
  token: string;
  list: string;
  role: "editor" | "viewer";
  left: number;
}
interface Model {
  lists: ModelList[];
  tasks: Array<{ id: string; list: string }>;
  invites: ModelInvite[];
}

type Action =
  | { kind: "createList"; actor: number }
  | { kind: "invite"; actor: number; list: number; role: "editor" | "viewer"; uses: number }
  | { kind: "accept"; actor: number; invite: number }
  | { kind: "setRole"; actor: number; list: number; target: number; role: "editor" | "viewer" }
  | { kind: "removeMember"; actor: number; list: number; target: number }
  | { kind: "archive"; actor: number; list: number; archived: boolean }
  | { kind: "deleteList"; actor: number; list: number }
  | { kind: "createTask"; actor: number; list: number }
  | { kind: "moveTask"; actor: number; task: number; list: number }
  | { kind: "deleteTask"; actor: number; task: number };

const user = fc.nat({ max: USERS - 1 });
const index = fc.nat({ max: 50 });
const memberRole = fc.constantFrom("editor" as const, "viewer" as const);
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("createList" as const), actor: user }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("invite" as const),
      actor: user,
      list: index,
      role: memberRole,
      uses: fc.integer({ min: 1, max: 2 }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant("accept" as const), actor: user, invite: index }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("setRole" as const),
      actor: user,
      list: index,
      target: user,
      role: memberRole,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("removeMember" as const),
      actor: user,
      list: index,
      target: user,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("archive" as const),
      actor: user,
      list: index,
      archived: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("deleteList" as const), actor: user, list: index }),
  },
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant("createTask" as const), actor: user, list: index }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("moveTask" as const),
      actor: user,
      task: index,
      list: index,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("deleteTask" as const), actor: user, task: index }),
  },
);

let t: TestApp & { issuer: TestIssuer | undefined };
let origin: string;

beforeAll(async () => {
  t = await buildTestApp({
    databaseUrl: database.url,
    env: { NEXT_PUBLIC_API_URL: TEST_AUDIENCE, RATE_LIMIT_PER_MINUTE: "1000000" },
    sendReminders: false,
  });
  origin = await t.app.listen({ port: 0, host: "127.0.0.1" });
});
afterAll(() => t.close());

/** One person: their REST client, their MCP client and their place in the model. */
interface Person {
  id: string;
  api: ApiClient;
  mcp: Client;
}

async function person(): Promise<Person> {
  const issuer = t.issuer;
  if (!issuer) throw new Error("no issuer");
  const { userId: id, token: mcpToken } = await connectedUser(t, issuer, "tasks:read tasks:write");
  // The MCP verifier loads its keys on first use and answers 503 until then.
  for (let attempt = 1; ; attempt++) {
    try {
      const mcp = await connectMcp(origin, mcpToken);
      return { id, api: new ApiClient(origin, () => t.tokenFor(id)), mcp };
    } catch (error) {
      if (attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

const Lists = z.array(ListSchema);
const Members = z.array(MemberSchema);
const Tasks = z.array(TaskSchema);
const McpTasks = z.object({ structuredContent: z.object({ tasks: Tasks }) });
const InviteToken = z.object({ token: z.string() });

const sorted = (values: Iterable<string>) => [...values].sort();

/** What the model says a person sees, checked against every read route. */
async function checkViews(people: Person[], model: Model): Promise<void> {
  for (const [who, p] of people.entries()) {
    const mine = model.lists.filter((list) => list.members.has(who));
    const listIds = new Set(mine.map((list) => list.id));
    const visible = sorted(model.tasks.filter((task) => listIds.has(task.list)).map((x) => x.id));
    const ids = (tasks: Array<{ id: string }>) => sorted(tasks.map((task) => task.id));

    const all = await p.api.expect(200, Tasks, "GET", "/api/tasks?limit=500");
    expect(ids(all.data), `user ${who}: /api/tasks`).toEqual(visible);
    const inPath = await p.api.expect(200, Tasks, "GET", `/api/${p.id}/tasks?limit=500`);
    expect(ids(inPath.data), `user ${who}: /api/{user_id}/tasks`).toEqual(visible);
    for (const view of ["today", "overdue"]) {
      const listed = await p.api.expect(
        200,
        Tasks,
        "GET",
        `/api/tasks?view=${view}&today=${TODAY}&limit=500`,
      );
      expect(ids(listed.data), `user ${who}: view=${view}`).toEqual(visible);
    }
    const upcoming = await p.api.expect(
      200,
      Tasks,
      "GET",
      `/api/tasks?view=upcoming&today=${TODAY}`,
    );
    expect(upcoming.data).toEqual([]);
    const stats = await p.api.expect(
      200,
      TaskStatsSchema,
      "GET",
      `/api/tasks/stats?today=${TODAY}`,
    );
    expect(stats.data, `user ${who}: stats`).toMatchObject({
      all: visible.length,
      pending: visible.length,
      overdue: visible.length,
      today: visible.length,
      upcoming: 0,
    });
    const viaMcp = McpTasks.parse(
      await p.mcp.callTool({ name: "list_tasks", arguments: { limit: 500 } }),
    );
    expect(ids(viaMcp.structuredContent.tasks), `user ${who}: MCP list_tasks`).toEqual(visible);
    for (const task of model.tasks) {
      const answer = await p.api.request("GET", `/api/tasks/${task.id}`);
      expect(answer.status, `user ${who}: task ${task.id}`).toBe(
        listIds.has(task.list) ? 200 : 404,
      );
    }

    const lists = await p.api.expect(200, Lists, "GET", "/api/lists?archived=true");
    expect(
      sorted(lists.data.map((list) => `${list.id}:${list.role}`)),
      `user ${who}: /api/lists`,
    ).toEqual(sorted(mine.map((list) => `${list.id}:${list.members.get(who) ?? "?"}`)));
    const active = await p.api.expect(200, Lists, "GET", "/api/lists");
    expect(sorted(active.data.map((list) => list.id))).toEqual(
      sorted(mine.filter((list) => !list.archived).map((list) => list.id)),
    );
    for (const list of model.lists) {
      if (!list.members.has(who)) {
        await p.api.problem(404, "GET", `/api/lists/${list.id}`);
        await p.api.problem(404, "GET", `/api/lists/${list.id}/members`);
        continue;
      }
      const members = await p.api.expect(200, Members, "GET", `/api/lists/${list.id}/members`);
      expect(
        sorted(members.data.map((member) => `${member.user_id}:${member.role}`)),
        `user ${who}: members of ${list.id}`,
      ).toEqual(sorted([...list.members].map(([member, role]) => `${people[member]?.id}:${role}`)));
    }
  }
}

/** The status a write must get, from the model: a refusal first by membership, then role. */
function refusal(list: ModelList | undefined, who: number, needs: "write" | "owner") {
  const role = list?.members.get(who);
  if (!list || !role) return 404;
  if (needs === "owner" && role !== "owner") return 403;
  if (needs === "write" && role === "viewer") return 403;
  return undefined;
}

async function step(people: Person[], model: Model, a: Action): Promise<void> {
  const p = people[a.actor];
  if (!p) throw new Error("no person");
  const pick = <T>(items: T[], i: number): T | undefined =>
    items.length === 0 ? undefined : items[i % items.length];
  const expectStatus = async (status: number, method: string, path: string, body?: unknown) => {
    const answer = await p.api.request(method, path, body);
    expect(answer.status, `${JSON.stringify(a)}: ${JSON.stringify(answer.body)}`).toBe(status);
    return answer;
  };

  switch (a.kind) {
    case "createList": {
      const answer = await expectStatus(201, "POST", "/api/lists", {
        name: `L${model.lists.length}`,
      });
      const created = ListSchema.parse(answer.body);
      model.lists.push({
        id: created.id,
        owner: a.actor,
        inbox: false,
        archived: false,
        members: new Map([[a.actor, "owner"]]),
      });
      return;
    }
    case "invite": {
      const list = pick(model.lists, a.list);
      if (!list) return;
      const path = `/api/lists/${list.id}/invites`;
      const body = { role: a.role, max_uses: a.uses };
      const refused = refusal(list, a.actor, "owner") ?? (list.inbox ? 409 : undefined);
      if (refused) {
        await expectStatus(refused, "POST", path, body);
        return;
      }
      const answer = await expectStatus(201, "POST", path, body);
      const { token } = InviteToken.parse(answer.body);
      model.invites.push({ token, list: list.id, role: a.role, left: a.uses });
      return;
    }
    case "accept": {
      const invite = pick(model.invites, a.invite);
      if (!invite) return;
      const list = model.lists.find((candidate) => candidate.id === invite.list);
      const path = `/api/invites/${invite.token}/accept`;
      if (!list || invite.left === 0) {
        await expectStatus(404, "POST", path);
        return;
      }
      await expectStatus(200, "POST", path);
      const current = list.members.get(a.actor);
      if (!current || RANK[current] < RANK[invite.role]) {
        list.members.set(a.actor, invite.role);
        invite.left -= 1;
      }
      return;
    }
    case "setRole": {
      const list = pick(model.lists, a.list);
      const target = people[a.target];
      if (!list || !target) return;
      const path = `/api/lists/${list.id}/members/${target.id}`;
      const targetRole = list.members.get(a.target);
      const refused =
        refusal(list, a.actor, "owner") ??
        (!targetRole ? 404 : targetRole === "owner" ? 409 : undefined);
      if (refused) {
        await expectStatus(refused, "PATCH", path, { role: a.role });
        return;
      }
      await expectStatus(200, "PATCH", path, { role: a.role });
      list.members.set(a.target, a.role);
      return;
    }
    case "removeMember": {
      const list = pick(model.lists, a.list);
      const target = people[a.target];
      if (!list || !target) return;
      const path = `/api/lists/${list.id}/members/${target.id}`;
      const leaving = a.target === a.actor;
      const targetRole = list.members.get(a.target);
      const refused = !list.members.has(a.actor)
        ? 404
        : leaving
          ? targetRole === "owner"
            ? 409
            : undefined
          : (refusal(list, a.actor, "owner") ??
            (!targetRole ? 404 : targetRole === "owner" ? 409 : undefined));
      if (refused) {
        await expectStatus(refused, "DELETE", path);
        return;
      }
      await expectStatus(204, "DELETE", path);
      list.members.delete(a.target);
      return;
    }
    case "archive": {
      const list = pick(model.lists, a.list);
      if (!list) return;
      const path = `/api/lists/${list.id}`;
      // Sending an Inbox back as it is (archived: false) changes nothing and is no conflict.
      const refused =
        refusal(list, a.actor, "owner") ?? (list.inbox && a.archived ? 409 : undefined);
      if (refused) {
        await expectStatus(refused, "PATCH", path, { archived: a.archived });
        return;
      }
      await expectStatus(200, "PATCH", path, { archived: a.archived });
      list.archived = a.archived;
      return;
    }
    case "deleteList": {
      const list = pick(model.lists, a.list);
      if (!list) return;
      const path = `/api/lists/${list.id}`;
      const refused = refusal(list, a.actor, "owner") ?? (list.inbox ? 409 : undefined);
      if (refused) {
        await expectStatus(refused, "DELETE", path);
        return;
      }
      await expectStatus(204, "DELETE", path);
      model.lists = model.lists.filter((candidate) => candidate !== list);
      model.tasks = model.tasks.filter((task) => task.list !== list.id);
      return;
    }
    case "createTask": {
      const list = pick(model.lists, a.list);
      if (!list) return;
      const body = { title: `T${model.tasks.length}`, list_id: list.id, due_date: DUE };
      const refused = refusal(list, a.actor, "write") ?? (list.archived ? 409 : undefined);
      if (refused) {
        await expectStatus(refused, "POST", "/api/tasks", body);
        return;
      }
      const answer = await expectStatus(201, "POST", "/api/tasks", body);
      model.tasks.push({ id: TaskSchema.parse(answer.body).id, list: list.id });
      return;
    }
    case "moveTask": {
      const task = pick(model.tasks, a.task);
      const target = pick(model.lists, a.list);
      if (!task || !target) return;
      const from = model.lists.find((list) => list.id === task.list);
      const path = `/api/tasks/${task.id}`;
      const refused =
        refusal(from, a.actor, "write") ??
        (from?.archived ? 409 : undefined) ??
        (target === from
          ? undefined
          : (refusal(target, a.actor, "write") ?? (target.archived ? 409 : undefined)));
      if (refused) {
        await expectStatus(refused, "PATCH", path, { list_id: target.id });
        return;
      }
      await expectStatus(200, "PATCH", path, { list_id: target.id });
      task.list = target.id;
      return;
    }
    case "deleteTask": {
      const task = pick(model.tasks, a.task);
      if (!task) return;
      const list = model.lists.find((candidate) => candidate.id === task.list);
      const path = `/api/tasks/${task.id}`;
      const refused = refusal(list, a.actor, "write") ?? (list?.archived ? 409 : undefined);
      if (refused) {
        await expectStatus(refused, "DELETE", path);
        return;
      }
      await expectStatus(204, "DELETE", path);
      model.tasks = model.tasks.filter((candidate) => candidate !== task);
      return;
    }
  }
}

describe("isolation with lists, roles and sharing (property)", () => {
  it("every user sees exactly what their memberships allow, after every step", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 4, maxLength: 14 }), async (actions) => {
        const people = await Promise.all(Array.from({ length: USERS }, () => person()));
        try {
          const inboxes = await Promise.all(
            people.map(async (p) => {
              const lists = await p.api.expect(200, Lists, "GET", "/api/lists");
              const inbox = lists.data.find((list) => list.is_inbox);
              if (!inbox) throw new Error("no Inbox");
              return inbox.id;
            }),
          );
          const model: Model = {
            lists: inboxes.map((id, owner) => ({
              id,
              owner,
              inbox: true,
              archived: false,
              members: new Map([[owner, "owner"]]),
            })),
            tasks: [],
            invites: [],
          };
          for (const a of actions) {
            await step(people, model, a);
            await checkViews(people, model);
          }
        } finally {
          await Promise.all(people.map((p) => p.mcp.close()));
        }
      }),
      { numRuns: 12, endOnFailure: true },
    );
    // Hundreds of requests a run, beside the rest of the suite on two cores.
  }, 240_000);
});
