// npm run db:types: migrate a scratch database and regenerate types/database.ts (public) and
// types/private.ts (private) from it.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { applyPlatformBootstrap, createDatabase, dropDatabase, pushMigrations, withDatabase } from "./lib/database.ts";
import { generatedTypes, generateTypes } from "./lib/types.ts";

const server = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const url = withDatabase(server, `threads_types_${randomBytes(4).toString("hex")}`);
try {
  await createDatabase(url);
  await applyPlatformBootstrap(url);
  await pushMigrations(url);
  for (const { file, schema } of generatedTypes) {
    writeFileSync(file, await generateTypes(url, schema));
    console.log(`wrote ${file}`);
  }
} finally {
  await dropDatabase(url);
}
