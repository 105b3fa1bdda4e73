import type { TestProject } from "vitest/node";
import { prepareTemplate, startTestServer } from "./database.ts";

declare module "vitest" {
  export interface ProvidedContext {
    databaseAdminUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const server = await startTestServer();
  await prepareTemplate(server.adminUrl);
  project.provide("databaseAdminUrl", server.adminUrl);
  return () => server.stop();
}
