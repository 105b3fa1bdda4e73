import type { TaskAnswer } from "@taskbridge/shared/task-mini";

export interface Row {
  task: TaskAnswer;
  depth: number;
  /** Whether its subtasks are shown; undefined when none of them are among the rows. */
  expanded: boolean | undefined;
}

/**
 * A group's tasks as rows: each subtask right below its parent when the parent is in the group
 * too (in the group's order), else where it falls; collapsed parents hide theirs.
 */
export function treeRows(tasks: TaskAnswer[], collapsed: ReadonlySet<string>): Row[] {
  const ids = new Set(tasks.map((task) => task.id));
  const children = new Map<string, TaskAnswer[]>();
  for (const task of tasks) {
    if (task.parent_id && ids.has(task.parent_id)) {
      const siblings = children.get(task.parent_id) ?? [];
      siblings.push(task);
      children.set(task.parent_id, siblings);
    }
  }
  const rows: Row[] = [];
  const visit = (task: TaskAnswer, depth: number) => {
    const below = children.get(task.id);
    const expanded = below ? !collapsed.has(task.id) : undefined;
    rows.push({ task, depth, expanded });
    if (below && expanded) for (const child of below) visit(child, depth + 1);
  };
  for (const task of tasks) if (!task.parent_id || !ids.has(task.parent_id)) visit(task, 0);
  return rows;
}
