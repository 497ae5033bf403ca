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
const url = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:54322/postgres";
const sql = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} });
try {
  const user = await findAuthUser(sql, { email });
  if (!user) {
    console.error(`npm run token: no account with the email ${email} exists in ${new URL(url).pathname.slice(1) || "postgres"}`);
    process.exitCode = 1;
  } else {
    console.log((await issueSession(sql, user, developmentJwtSecret)).access_token);
  }
} catch (error) {
  console.error(`npm run token: ${(error as Error).message} (DATABASE_URL ${url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@")})`);
  process.exitCode = 1;
} finally {
  await sql.end({ timeout: 1 });
}
