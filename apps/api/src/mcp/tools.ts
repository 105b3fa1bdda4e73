import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import {
  DescriptionSchema,
  DueDateSchema,
  PrioritySchema,
  TagsSchema,
  TaskCreateSchema,
  TaskListQuerySchema,
  TaskUpdateSchema,
  TitleSchema,
  type Task,
} from "@taskbridge/shared/task";
import type { AuthUser } from "../auth/verifier.ts";
import { TaskRepository, toTask } from "../repositories/tasks.ts";
import type { Database } from "@taskbridge/db/client";

export const MCP_READ_SCOPE = "tasks:read";
export const MCP_WRITE_SCOPE = "tasks:write";

export type ToolOutcome = "ok" | "not_found" | "invalid" | "forbidden";

/** Told of every tool call's result (for the request log); never of the task content. */
export type ToolListener = (tool: string, outcome: ToolOutcome) => void;

const TaskId = z.uuid({ message: "task_id must be a task id (UUID)" });

// The same field rules the REST routes apply, from the shared schemas.
const writable = {
  description: DescriptionSchema.optional(),
  priority: PrioritySchema.optional(),
  due_date: DueDateSchema.nullable().optional(),
  tags: TagsSchema.optional(),
};
const listShape = TaskListQuerySchema.omit({ cursor: true }).shape;

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
    action: () => Promise<CallToolResult | ToolOutcome>,
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
    if (typeof outcome === "string") {
      listener(tool, outcome);
      return refusal("The request was not valid");
    }
    listener(tool, "ok");
    return outcome;
  };

  server.registerTool(
    "add_task",
    {
      title: "Add a task",
      description: "Create a task for the user. Only the title is required.",
      inputSchema: { title: TitleSchema, ...writable },
    },
    (args) =>
      run("add_task", "write", async () => {
        const input = TaskCreateSchema.safeParse(args);
        if (!input.success) return "invalid";
        const task = toTask(await tasks.create(user.id, input.data));
        return result(`Added ${quoted(task)}.`, { task });
      }),
  );

  server.registerTool(
    "list_tasks",
    {
      title: "List tasks",
      description:
        "List the user's tasks. status: all, pending or completed; q searches title and description.",
      inputSchema: listShape,
      annotations: { readOnlyHint: true },
    },
    (args) =>
      run("list_tasks", "read", async () => {
        const query = TaskListQuerySchema.omit({ cursor: true }).safeParse(args);
        if (!query.success) return "invalid";
        const rows = await tasks.list(user.id, { ...query.data, cursor: undefined });
        const list = rows.slice(0, query.data.limit).map(toTask);
        const text =
          list.length === 0
            ? "No tasks."
            : `${list.length} task${list.length === 1 ? "" : "s"}:\n${list
                .map((task) => `- ${task.completed ? "[x]" : "[ ]"} ${task.title} (${task.id})`)
                .join("\n")}`;
        return result(text, { tasks: list, more: rows.length > query.data.limit });
      }),
  );

  server.registerTool(
    "complete_task",
    {
      title: "Complete a task",
      description:
        "Mark a task completed (or, with completed: false, pending again). Without `completed` it toggles.",
      inputSchema: { task_id: TaskId, completed: z.boolean().optional() },
    },
    ({ task_id, completed }) =>
      run("complete_task", "write", async () => {
        const row = await tasks.toggle(user.id, task_id, completed);
        if (!row) return "not_found";
        const task = toTask(row);
        return result(`${quoted(task)} is ${task.completed ? "completed" : "pending"}.`, { task });
      }),
  );

  server.registerTool(
    "update_task",
    {
      title: "Update a task",
      description: "Change a task's title, description, priority, due date or tags.",
      inputSchema: { task_id: TaskId, title: TitleSchema.optional(), ...writable },
    },
    ({ task_id, ...fields }) =>
      run("update_task", "write", async () => {
        const input = TaskUpdateSchema.safeParse(fields);
        if (!input.success) return "invalid";
        const row = await tasks.update(user.id, task_id, input.data);
        if (!row) return "not_found";
        const task = toTask(row);
        return result(`Updated ${quoted(task)}.`, { task });
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
        if (!removed) return "not_found";
        return result("Deleted the task.", { deleted: task_id });
      }),
  );

  return server;
}
