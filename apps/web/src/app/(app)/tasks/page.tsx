import type { Metadata } from "next";
import { requireSession } from "@/auth/session";
import { TaskBoard } from "@/components/task-board";

export const metadata: Metadata = { title: "Tasks" };

export default async function TasksPage() {
  await requireSession("/tasks");
  return <TaskBoard />;
}
