import type { Metadata } from "next";
import { requireSession } from "@/auth/session";
import { TaskBoard } from "@/components/task-board";

export const metadata: Metadata = { title: "Tasks" };

export default async function TasksPage() {
  if (!(await requireSession("/tasks"))) return null; // the layout says why
  return <TaskBoard />;
}
