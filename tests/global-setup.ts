// Builds one migrated template database per test run (bootstrap + `supabase db push`); every test
// file clones it into a database of its own, dropped when the file ends.
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import {
  applyLegacyDefaultGrants,
  applyPlatformBootstrap,
  createDatabase,
  dropDatabase,
  pushMigrations,
  withDatabase,
} from "../scripts/lib/database.ts";
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
  // TEST_DEFAULT_GRANTS=legacy: the project still has Supabase's legacy automatic grants (every new
  // public object granted to anon, authenticated and service_role) when the migrations run, so every
  // security test runs against what such a project ends up with (issue 15).
  if (process.env.TEST_DEFAULT_GRANTS === "legacy") await applyLegacyDefaultGrants(url);
  else if (process.env.TEST_DEFAULT_GRANTS)
    throw new Error(`TEST_DEFAULT_GRANTS=${process.env.TEST_DEFAULT_GRANTS}: only "legacy" is known`);
  await pushMigrations(url);
  // Test users are all accounts of a few seconds, and many tests write in volume: throttles start
  // switched off in test databases; tests/throttles and tests/accounts switch them on
  // (tests/helpers/throttles.ts). Production databases keep the migration's default: on.
  const sql = postgres(url, { onnotice: () => {}, max: 1 });
  await sql`update private.throttle_settings set enabled = false`;
  await sql.end();
  project.provide("templateDatabase", template);
  return async () => {
    await dropDatabase(url);
  };
}
