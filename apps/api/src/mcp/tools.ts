import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import {
  DescriptionSchema,
  DueDateSchema,
  DueTimeSchema,
  PrioritySchema,
  RecurrenceSchema,
  RemindAtSchema,
  TagsSchema,
  TaskCreateSchema,
  TaskListQuerySchema,
  TaskUpdateSchema,
  TitleSchema,
  type Task,
} from "@taskbridge/shared/task";
import { ListSchema } from "@taskbridge/shared/list";
import type { AuthUser } from "../auth/verifier.ts";
import { listSort, TaskRepository, type WriteResult } from "../repositories/tasks.ts";
import type { Database } from "@taskbridge/db/client";
import {
  listNamesOf,
  ListRefSchema,
  resolveList,
  type NamedList,
} from "../repositories/list-names.ts";
import { ListRepository } from "../repositories/lists.ts";

export const MCP_READ_SCOPE = "tasks:read";
export const MCP_WRITE_SCOPE = "tasks:write";

export type ToolOutcome = "ok" | "not_found" | "invalid" | "forbidden" | "conflict";

/** No such task or list among the caller's lists (another person's is not found either). */
class NotFound {
  constructor(readonly what: "Task" | "List") {}
}

/** Input the task rules refuse, with each problem as the REST 422 names it. */
class Invalid {
  constructor(readonly errors: Array<{ field: string; message: string }>) {}
}

/** A write the caller's role in the list (forbidden) or an archived list (conflict) does not allow. */
class Denied {
  constructor(
    readonly detail: string,
    readonly outcome: "forbidden" | "conflict",
  ) {}
}

/** A list name that more than one of the caller's lists has: the assistant must give the id. */
class Ambiguous {
  constructor(
    readonly name: string,
    readonly candidates: NamedList[],
  ) {}
}

/** Why a call changed nothing: no such task or list, input the rules refuse, a role, a name. */
type Refused = NotFound | Invalid | Denied | Ambiguous;

/** The repository's reason a write changed nothing, as a tool's refusal. */
function refusedWrite(change: Exclude<WriteResult, { kind: "ok" }>): Refused {
  switch (change.kind) {
    case "not-found":
      return new NotFound(change.what);
    case "invalid":
      return new Invalid(change.errors);
    case "forbidden":
      return new Denied(change.detail, "forbidden");
    case "conflict":
      return new Denied(change.detail, "conflict");
  }
}

/** Told of every tool call's result (for the request log); never of the task content. */
export type ToolListener = (tool: string, outcome: ToolOutcome) => void;

const TaskId = z.uuid({ message: "task_id must be a task id (UUID)" });
const ParentId = z
  .uuid({ message: "parent_id must be a task id (UUID)" })
  .describe("A task to make this one a subtask of; the task goes into that task's list");
const ListRef = ListRefSchema.describe(
  "The list, by its id or its name (any case), as list_lists shows them; `inbox` is the " +
    "user's own Inbox",
);

// The same field rules the REST routes apply, from the shared schemas; the whole input is then
// parsed again by the REST body schema, which adds the rules between fields.
const writable = {
  description: DescriptionSchema.optional(),
  priority: PrioritySchema.optional(),
  due_date: DueDateSchema.nullable().optional(),
  due_time: DueTimeSchema.nullable().optional(),
  tags: TagsSchema.optional(),
  recurrence: RecurrenceSchema.nullable().optional(),
  remind_at: RemindAtSchema.nullable().optional(),
};
// The list's query without the REST cursor: a tool answer says whether more tasks follow. The
// tool takes a list by name too; once that is resolved to an id, the REST query schema parses all.
const ListQuery = TaskListQuerySchema.omit({ cursor: true });
const ListToolInput = ListQuery.extend({ list: ListRef.optional() });

/** The problems of a failed parse, as the REST 422 names them. */
function problems(error: z.ZodError): Array<{ field: string; message: string }> {
  return error.issues.map((issue) => ({
    field: issue.path.join(".") || "(input)",
    message: issue.message,
  }));
}

function due(task: Task): string {
  if (!task.due_date) return "";
  return ` (due ${task.due_date}${task.due_time ? ` ${task.due_time}` : ""})`;
}

function result(text: string, structured: Record<string, unknown>): CallToolResult {
  return { content: [{ type: "text", text }], structuredContent: structured };
}

function refusal(text: string): CallToolResult {
  return { content: [{ type: "text", text }], isError: true };
}

const quoted = (task: Task) => `"${task.title}"`;

function isRefused(value: unknown): value is Refused {
  return (
    value instanceof NotFound ||
    value instanceof Invalid ||
    value instanceof Denied ||
    value instanceof Ambiguous
  );
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * A fresh MCP server for one request, acting for `user` only. Tools that change tasks need the
 * `tasks:write` scope; a token with `tasks:read` alone may list. Within those scopes, each task
 * and list is the caller's through their membership of its list, and their role there decides
 * whether they may change it (the task repository's rule, as for the REST routes).
 */
export function createMcpServer(db: Database, user: AuthUser, listener: ToolListener): McpServer {
  const tasks = new TaskRepository(db);
  const server = new McpServer(
    { name: "taskbridge", version: "1.0.0" },
    {
      instructions:
        "Manage the signed-in person's Taskbridge tasks, which live in lists: their Inbox, " +
        "their other lists and lists shared with them (list_lists shows them and the person's " +
        "role in each; a viewer can read a list's tasks but not change them).",
    },
  );
  const canWrite = user.scopes.includes(MCP_WRITE_SCOPE);
  const canRead = canWrite || user.scopes.includes(MCP_READ_SCOPE);

  const run = async (
    tool: string,
    needs: "read" | "write",
    action: () => Promise<CallToolResult | Refused>,
  ): Promise<CallToolResult> => {
    if (needs === "write" ? !canWrite : !canRead) {
      listener(tool, "forbidden");
      return refusal(
        `This app was not allowed to ${needs === "write" ? "change" : "read"} tasks (it needs the ${
          needs === "write" ? MCP_WRITE_SCOPE : MCP_READ_SCOPE
        } scope). Reconnect it and allow that.`,
      );
    }
    const outcome = await action();
    if (outcome instanceof NotFound) {
      listener(tool, "not_found");
      return refusal(`${outcome.what} not found`);
    }
    if (outcome instanceof Denied) {
      listener(tool, outcome.outcome);
      return refusal(outcome.detail);
    }
    if (outcome instanceof Invalid) {
      listener(tool, "invalid");
      const summary = outcome.errors.map((e) => `${e.field}: ${e.message}`).join("; ");
      return refusal(`Validation failed: ${summary}`);
    }
    if (outcome instanceof Ambiguous) {
      listener(tool, "invalid");
      const which = outcome.candidates.map((list) => `${list.name} (${list.id})`).join(", ");
      return refusal(
        `More than one of your lists is named "${outcome.name}": ${which}. Give the list's id instead.`,
      );
    }
    listener(tool, "ok");
    return outcome;
  };

  /** The caller's list a tool call named (none when it named none). */
  const namedList = async (ref: string | undefined): Promise<NamedList | undefined | Refused> => {
    if (ref === undefined) return undefined;
    const found = await resolveList(db, user.id, ref);
    if (found.kind === "missing") return new NotFound("List");
    if (found.kind === "ambiguous") return new Ambiguous(ref.trim(), found.candidates);
    return found.list;
  };

  /**
   * The answer to a change made through the repository, as the REST routes make it: when a
   * recurring task became completed, the next occurrence it created comes with it.
   */
  const changed = async (
    change: WriteResult,
    text: (task: Task) => string,
  ): Promise<CallToolResult | Refused> => {
    if (change.kind !== "ok") return refusedWrite(change);
    const task = change.task;
    const next = change.nextId ? await tasks.findTask(user.id, change.nextId) : null;
    if (!next) return result(text(task), { task });
    return result(`${text(task)} Next occurrence${due(next)}: ${next.id}.`, {
      task,
      next_occurrence: next,
    });
  };

  server.registerTool(
    "list_lists",
    {
      title: "List lists",
      description:
        "List the user's task lists: the Inbox first, then their own lists and those shared " +
        "with them, by name, each with its id, the user's role (owner and editor may change " +
        "its tasks, viewer may only read them), members and pending tasks. Archived lists are " +
        "left out. Name a list by its id or name in add_task, list_tasks and update_task.",
      outputSchema: { lists: z.array(ListSchema) },
      annotations: { readOnlyHint: true },
    },
    () =>
      run("list_lists", "read", async () => {
        const lists = await new ListRepository(db).listsOf(user.id, { archived: false });
        const lines = lists.map(
          (list) =>
            `- ${list.name}: ${list.role}${
              list.member_count > 1 ? `, ${plural(list.member_count, "member")}` : ""
            }, ${list.pending_count} pending (${list.id})`,
        );
        return result(`${plural(lists.length, "list")}:\n${lines.join("\n")}`, { lists });
      }),
  );

  server.registerTool(
    "add_task",
    {
      title: "Add a task",
      description:
        "Create a task for the user. Only the title is required. It goes into the user's " +
        "Inbox unless `list` names another of their lists (by id or name, see list_lists; " +
        "needs the owner or editor role there), or `parent_id` makes it a subtask (in that " +
        "task's list). due_date is a calendar date (YYYY-MM-DD) and due_time an optional HH:MM " +
        "on it; recurrence is an RRULE (needs a due_date); remind_at is a date-time with an " +
        "offset.",
      inputSchema: {
        title: TitleSchema,
        ...writable,
        list: ListRef.optional(),
        parent_id: ParentId.optional(),
      },
    },
    ({ list: ref, ...fields }) =>
      run("add_task", "write", async () => {
        const target = await namedList(ref);
        if (isRefused(target)) return target;
        const input = TaskCreateSchema.safeParse(
          target ? { ...fields, list_id: target.id } : fields,
        );
        if (!input.success) return new Invalid(problems(input.error));
        const created = await tasks.create(user.id, input.data);
        if (created.kind !== "ok") return refusedWrite(created);
        const task = created.task;
        const where = target && !target.isInbox ? ` to ${target.name}` : "";
        const under = task.parent_id ? " as a subtask" : "";
        return result(`Added ${quoted(task)}${where}${under}${due(task)}.`, { task });
      }),
  );

  server.registerTool(
    "list_tasks",
    {
      title: "List tasks",
      description:
        "List the user's tasks, across all their lists or, with `list` (an id or name, see " +
        "list_lists, or inbox), in one list. status: all, pending or completed; q searches " +
        "title and description; view: today (pending, due today or before), upcoming or " +
        "overdue, with today as the user's own date (YYYY-MM-DD); due_from, due_to and due " +
        "filter by due date; parent: a task id for its subtasks, none for top-level tasks; " +
        "assignee: me, a user id or none.",
      inputSchema: ListToolInput.shape,
      annotations: { readOnlyHint: true },
    },
    ({ list: ref, ...args }) =>
      run("list_tasks", "read", async () => {
        const target = await namedList(ref);
        if (isRefused(target)) return target;
        const query = ListQuery.safeParse(target ? { ...args, list: target.id } : args);
        if (!query.success) return new Invalid(problems(query.error));
        const rows = await tasks.page(user.id, {
          ...query.data,
          sort: listSort(query.data),
          cursor: undefined,
        });
        if (!rows) return new NotFound("List");
        const list = rows.slice(0, query.data.limit);
        // Across lists, each line says which list the task is in.
        const listIds = new Set(list.map((task) => task.list_id));
        const names =
          listIds.size > 1
            ? await listNamesOf(db, user.id, [...listIds])
            : new Map<string, string>();
        const where = (task: Task) => {
          const name = names.get(task.list_id);
          return name === undefined ? "" : ` in ${name}`;
        };
        const scope = target ? ` in ${target.name}` : "";
        const text =
          list.length === 0
            ? `No tasks${scope}.`
            : `${plural(list.length, "task")}${scope}:\n${list
                .map(
                  (task) =>
                    `- ${task.completed ? "[x]" : "[ ]"} ${task.title}${due(task)}${where(task)} (${task.id})`,
                )
                .join("\n")}`;
        return result(text, { tasks: list, more: rows.length > query.data.limit });
      }),
  );

  server.registerTool(
    "complete_task",
    {
      title: "Complete a task",
      description:
        "Mark a task completed (or, with completed: false, pending again). Without `completed` " +
        "it toggles. Completing a task completes its open subtasks; completing a recurring task " +
        "creates its next occurrence, returned too. Needs the owner or editor role in its list.",
      inputSchema: { task_id: TaskId, completed: z.boolean().optional() },
    },
    ({ task_id, completed }) =>
      run("complete_task", "write", async () => {
        const change = await tasks.toggle(user.id, task_id, completed);
        return changed(
          change,
          (task) => `${quoted(task)} is ${task.completed ? "completed" : "pending"}.`,
        );
      }),
  );

  server.registerTool(
    "update_task",
    {
      title: "Update a task",
      description:
        "Change a task's title, description, priority, due date and time, tags, recurrence or " +
        "reminder; null clears a field. A new remind_at re-arms the reminder. `list` (an id or " +
        "name, see list_lists) moves the task and its subtasks to another list; parent_id makes " +
        "it a subtask of a task in the same list, null a top-level task. Needs the owner or " +
        "editor role in its list (and in the list it moves to).",
      inputSchema: {
        task_id: TaskId,
        title: TitleSchema.optional(),
        ...writable,
        list: ListRef.optional(),
        parent_id: ParentId.nullable().optional(),
      },
    },
    ({ task_id, list: ref, ...fields }) =>
      run("update_task", "write", async () => {
        const target = await namedList(ref);
        if (isRefused(target)) return target;
        const input = TaskUpdateSchema.safeParse(
          target ? { ...fields, list_id: target.id } : fields,
        );
        if (!input.success) return new Invalid(problems(input.error));
        const change = await tasks.update(user.id, task_id, input.data);
        const where = target ? ` (in ${target.name})` : "";
        return changed(change, (task) => `Updated ${quoted(task)}${where}${due(task)}.`);
      }),
  );

  server.registerTool(
    "delete_task",
    {
      title: "Delete a task",
      description:
        "Delete a task for good, with its subtasks. Needs the owner or editor role in its list.",
      inputSchema: { task_id: TaskId },
      annotations: { destructiveHint: true },
    },
    ({ task_id }) =>
      run("delete_task", "write", async () => {
        const removed = await tasks.remove(user.id, task_id);
        if (removed.kind !== "deleted") return refusedWrite(removed);
        return result("Deleted the task.", { deleted: task_id });
      }),
  );

  return server;
}
