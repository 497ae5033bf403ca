// What `npm test` needs from the machine, checked before anything else runs, and the one place that
// installs it: PostgreSQL reachable at TEST_DATABASE_URL, and the extensions the gates and later
// work load (plpgsql_check for `supabase db lint`, pg_cron, rum for post search). Run as root on a Debian machine, the
// missing packages are installed with apt; otherwise it stops at once with the one command that does.
import { spawnSync } from "node:child_process";
import postgres from "postgres";

/** The extensions the test server must offer, and the Debian package (per major version) of each. */
const requiredExtensions = [
  { name: "plpgsql_check", packageFor: (major: number) => `postgresql-${major}-plpgsql-check` },
  { name: "pg_cron", packageFor: (major: number) => `postgresql-${major}-cron` },
  { name: "rum", packageFor: (major: number) => `postgresql-${major}-rum` },
];

export const startPostgresCommand = "pg_ctlcluster --skip-systemctl-redirect 15 main start";

/** The URL without its password, for messages. */
function shown(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = "***";
  return u.toString();
}

function isLocal(url: string): boolean {
  return ["127.0.0.1", "localhost", "::1", "[::1]", ""].includes(new URL(url).hostname);
}

function stop(lines: string[]): never {
  for (const line of lines) console.error(line);
  process.exit(1);
}

async function inspect(url: string): Promise<{ major: number; missing: string[] }> {
  const sql = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    const [version] = await sql<{ major: number }[]>`select current_setting('server_version_num')::int / 10000 as major`;
    const available = await sql<
      { name: string }[]
    >`select name from pg_available_extensions where name in ${sql(requiredExtensions.map((e) => e.name))}`;
    const names = new Set(available.map((r) => r.name));
    return { major: version?.major ?? 15, missing: requiredExtensions.filter((e) => !names.has(e.name)).map((e) => e.name) };
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** Exits the process with a one-line reason and its fix unless the machine can run the tests. */
export async function ensureTestPrerequisites(url: string): Promise<void> {
  let state: { major: number; missing: string[] };
  try {
    state = await inspect(url);
  } catch (error) {
    stop([
      `PostgreSQL is not reachable at ${shown(url)} (${(error as Error).message}).`,
      isLocal(url)
        ? `Start it with: ${startPostgresCommand}   (or set TEST_DATABASE_URL to a running PostgreSQL 15)`
        : "Start that server, or set TEST_DATABASE_URL to a running PostgreSQL 15.",
    ]);
  }
  if (state.missing.length === 0) return;

  const packages = requiredExtensions.filter((e) => state.missing.includes(e.name)).map((e) => e.packageFor(state.major));
  const command = `apt-get update && apt-get install -y ${packages.join(" ")}`;
  const canInstall = isLocal(url) && process.getuid?.() === 0 && spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
  if (!canInstall) {
    stop([
      `PostgreSQL at ${shown(url)} lacks the extension(s) ${state.missing.join(", ")} (the lint gate and later work load them).`,
      isLocal(url) ? `Install them with: sudo sh -c '${command}'` : `Install ${packages.join(", ")} on that server.`,
    ]);
  }
  console.log(`installing ${packages.join(", ")} (PostgreSQL lacks ${state.missing.join(", ")})`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [
    ["update", "-qq"],
    ["install", "-y", "-qq", ...packages],
  ]) {
    if (spawnSync("apt-get", args, { stdio: "inherit", env }).status !== 0) stop([`apt-get ${args.join(" ")} failed; run: ${command}`]);
  }
  const after = await inspect(url);
  if (after.missing.length > 0) stop([`PostgreSQL still lacks ${after.missing.join(", ")} after installing ${packages.join(", ")}.`]);
}
