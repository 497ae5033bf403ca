// npm run token -- <email>: an access token for that user, minted the way Supabase Auth would
// (our access-token hook adds the roles), signed with the development JWT secret.
import { existsSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { developmentJwtSecret, findAuthUser, issueSession } from "./lib/auth.ts";
import { repoRoot } from "./lib/migrations.ts";

if (existsSync(join(repoRoot, ".env"))) process.loadEnvFile(join(repoRoot, ".env"));
const email = process.argv[2];
if (!email) {
  console.error("usage: npm run token -- <email>");
  process.exit(2);
}
const sql = postgres(process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:54322/postgres", { max: 1, onnotice: () => {} });
try {
  const user = await findAuthUser(sql, { email });
  if (!user) throw new Error(`no user with email ${email}`);
  console.log((await issueSession(sql, user, developmentJwtSecret)).access_token);
} finally {
  await sql.end();
}
