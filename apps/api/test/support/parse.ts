// Answers read through the API contract's own schemas: a test that reads a body also checks it.
import type { LightMyRequestResponse } from "fastify";
import { z } from "zod";
import { ProblemSchema, type Problem } from "@taskbridge/shared/problem";
import { TaskSchema, type Task } from "@taskbridge/shared/task";

const TaskListSchema = z.array(TaskSchema);

export function taskOf(response: LightMyRequestResponse): Task {
  return TaskSchema.parse(response.json());
}

export function tasksOf(response: LightMyRequestResponse): Task[] {
  return TaskListSchema.parse(response.json());
}

export function problemOf(response: LightMyRequestResponse): Problem {
  return ProblemSchema.parse(response.json());
}

/** The per-field errors of a 422 problem, which must name at least one. */
export function fieldErrorsOf(response: LightMyRequestResponse): Array<{ field: string }> {
  const errors = problemOf(response).errors ?? [];
  if (errors.length === 0) throw new Error(`a 422 without field errors: ${response.body}`);
  return errors;
}
