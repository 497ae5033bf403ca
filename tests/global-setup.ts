// Builds one migrated template database per test run (bootstrap + `supabase db push`); every test
// file clones it into a database of its own, dropped when the file ends.
import { randomBytes } from "node:crypto";
import type { TestProject } from "vitest/node";
import { applyPlatformBootstrap, createDatabase, dropDatabase, pushMigrations, withDatabase } from "../scripts/lib/database.ts";
import { serverUrl } from "./helpers/env.ts";

declare module "vitest" {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const template = `threads_tpl_${randomBytes(4).toString("hex")}`;
  const url = withDatabase(serverUrl, template);
  await createDatabase(url);
  await applyPlatformBootstrap(url);
  await pushMigrations(url);
  project.provide("templateDatabase", template);
  return async () => {
    await dropDatabase(url);
  };
}
