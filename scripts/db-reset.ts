// DATABASE_URL=… npm run db:reset [-- --seed]: drop and recreate that database, apply the platform
// bootstrap (plain PostgreSQL only) and every migration with the Supabase CLI, optionally seed.
import { resetDatabase } from "./lib/database.ts";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("DATABASE_URL is required, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/threads npm run db:reset");
  process.exit(2);
}
const seed = process.argv.includes("--seed");
const started = Date.now();
await resetDatabase(url, { seed });
console.log(`database reset${seed ? " and seeded" : ""} in ${Date.now() - started} ms`);
