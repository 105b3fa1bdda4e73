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
import type { AuthUser } from "../auth/verifier.ts";
import { listSort, TaskRepository, type UpdateResult } from "../repositories/tasks.ts";
import type { Database } from "@taskbridge/db/client";

export const MCP_READ_SCOPE = "tasks:read";
export const MCP_WRITE_SCOPE = "tasks:write";

export type ToolOutcome = "ok" | "not_found" | "invalid" | "forbidden";

/** Input the task rules refuse, with each problem as the REST 422 names it. */
class Invalid {
  constructor(readonly errors: Array<{ field: string; message: string }>) {}
}

/** A write the caller's role in the list (or an archived list) does not allow. */
class Denied {
  constructor(readonly detail: string) {}
}

/** Why a call changed nothing: no such task for this user, input the task rules refuse, or a role. */
type Refused = "not_found" | Invalid | Denied;

/** Told of every tool call's result (for the request log); never of the task content. */
export type ToolListener = (tool: string, outcome: ToolOutcome) => void;

const TaskId = z.uuid({ message: "task_id must be a task id (UUID)" });

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
// The list's query without the REST cursor: a tool answer says whether more tasks follow.
const ListQuery = TaskListQuerySchema.omit({ cursor: true });

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

/**
 * A fresh MCP server for one request, acting for `user` only. Tools that change tasks need the
 * `tasks:write` scope; a token with `tasks:read` alone may list.
 */
export function createMcpServer(db: Database, user: AuthUser, listener: ToolListener): McpServer {
  const tasks = new TaskRepository(db);
  const server = new McpServer(
    { name: "taskbridge", version: "1.0.0" },
    { instructions: "Manage the signed-in person's Taskbridge tasks." },
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
    if (outcome === "not_found") {
      listener(tool, outcome);
      return refusal("Task not found");
    }
    if (outcome instanceof Denied) {
      listener(tool, "forbidden");
      return refusal(outcome.detail);
    }
    if (outcome instanceof Invalid) {
      listener(tool, "invalid");
      const summary = outcome.errors.map((e) => `${e.field}: ${e.message}`).join("; ");
      return refusal(`Validation failed: ${summary}`);
    }
    listener(tool, "ok");
    return outcome;
  };

  /**
   * The answer to a change made through the repository, as the REST routes make it: when a
   * recurring task became completed, the next occurrence it created comes with it.
   */
  const changed = async (
    change: UpdateResult,
    text: (task: Task) => string,
  ): Promise<CallToolResult | Refused> => {
    if (change.kind === "not-found") return "not_found";
    if (change.kind === "invalid") return new Invalid(change.errors);
    if (change.kind !== "ok") return new Denied(change.detail);
    const task = change.task;
    const next = change.nextId ? await tasks.findTask(user.id, change.nextId) : null;
    if (!next) return result(text(task), { task });
    return result(`${text(task)} Next occurrence${due(next)}: ${next.id}.`, {
      task,
      next_occurrence: next,
    });
  };

  server.registerTool(
    "add_task",
    {
      title: "Add a task",
      description:
        "Create a task for the user. Only the title is required. due_date is a calendar date " +
        "(YYYY-MM-DD) and due_time an optional HH:MM on it; recurrence is an RRULE (needs a " +
        "due_date); remind_at is a date-time with an offset.",
      inputSchema: { title: TitleSchema, ...writable },
    },
    (args) =>
      run("add_task", "write", async () => {
        const input = TaskCreateSchema.safeParse(args);
        if (!input.success) return new Invalid(problems(input.error));
        const created = await tasks.create(user.id, input.data);
        if (created.kind === "not-found") return "not_found";
        if (created.kind === "invalid") return new Invalid(created.errors);
        if (created.kind !== "ok") return new Denied(created.detail);
        const task = created.task;
        return result(`Added ${quoted(task)}${due(task)}.`, { task });
      }),
  );

  server.registerTool(
    "list_tasks",
    {
      title: "List tasks",
      description:
        "List the user's tasks. status: all, pending or completed; q searches title and " +
        "description; view: today (pending, due today or before), upcoming or overdue, with " +
        "today as the user's own date (YYYY-MM-DD); due_from, due_to and due filter by due date.",
      inputSchema: ListQuery.shape,
      annotations: { readOnlyHint: true },
    },
    (args) =>
      run("list_tasks", "read", async () => {
        const query = ListQuery.safeParse(args);
        if (!query.success) return new Invalid(problems(query.error));
        const rows = await tasks.page(user.id, {
          ...query.data,
          sort: listSort(query.data),
          cursor: undefined,
        });
        if (!rows) return "not_found";
        const list = rows.slice(0, query.data.limit);
        const text =
          list.length === 0
            ? "No tasks."
            : `${list.length} task${list.length === 1 ? "" : "s"}:\n${list
                .map(
                  (task) =>
                    `- ${task.completed ? "[x]" : "[ ]"} ${task.title}${due(task)} (${task.id})`,
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
        "it toggles. Completing a recurring task creates its next occurrence, returned too.",
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
        "reminder; null clears a field. A new remind_at re-arms the reminder.",
      inputSchema: { task_id: TaskId, title: TitleSchema.optional(), ...writable },
    },
    ({ task_id, ...fields }) =>
      run("update_task", "write", async () => {
        const input = TaskUpdateSchema.safeParse(fields);
        if (!input.success) return new Invalid(problems(input.error));
        const change = await tasks.update(user.id, task_id, input.data);
        return changed(change, (task) => `Updated ${quoted(task)}${due(task)}.`);
      }),
  );

  server.registerTool(
    "delete_task",
    {
      title: "Delete a task",
      description: "Delete a task for good.",
      inputSchema: { task_id: TaskId },
      annotations: { destructiveHint: true },
    },
    ({ task_id }) =>
      run("delete_task", "write", async () => {
        const removed = await tasks.remove(user.id, task_id);
        if (removed.kind === "not-found") return "not_found";
        if (removed.kind === "forbidden" || removed.kind === "conflict")
          return new Denied(removed.detail);
        return result("Deleted the task.", { deleted: task_id });
      }),
  );

  return server;
}
