import type { Metadata } from "next";
import { requireSession } from "@/auth/session";
import { TaskBoard } from "@/components/task-board";

export const metadata: Metadata = { title: "Tasks" };

export default async function TasksPage() {
  const session = await requireSession("/tasks");
  if (!session) return null; // the layout says why
  return <TaskBoard userId={session.user.id} />;
}
