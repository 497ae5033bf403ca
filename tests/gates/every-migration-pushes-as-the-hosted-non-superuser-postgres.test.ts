// On hosted Supabase `postgres` is not a superuser, and `supabase db push` runs the migrations as it. A
// migration that needs more (a superuser-only statement, an object owned by a platform role postgres
// cannot act for) fails on the first real deploy. This gate builds the platform's role setup in a
// throwaway cluster (platform/hosted-postgres.sql: the privileges supabase/postgres gives postgres),
// pushes every migration with the Supabase CLI connected as that non-superuser postgres, and checks
// the result: the same schema as the superuser-built template, and RLS and column grants enforced.
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { withDatabase } from "../../scripts/lib/database.ts";
import { dumpDifference, schemaDump } from "../../scripts/lib/schema-diff.ts";
import { type Cluster, pushAsHostedPostgres, startCluster } from "../helpers/cluster.ts";
import { idOf, TestDatabase } from "../helpers/db.ts";
import { serverUrl } from "../helpers/env.ts";
import { expectDbError } from "../helpers/expect-error.ts";

const database = "hosted";
let cluster: Cluster | undefined;
let hosted: TestDatabase | undefined;

beforeAll(async () => {
  cluster = await startCluster({ cronDatabase: database });
  await pushAsHostedPostgres(cluster, database);
  hosted = new TestDatabase(database, cluster.url(database));
}, 240_000);

afterAll(async () => {
  await hosted?.close();
  await cluster?.stop();
});

/**
 * The schema without what legitimately differs: the pg_cron schema (real here, the bootstrap's
 * stand-in on the shared server) and default privileges (TEST_DEFAULT_GRANTS=legacy changes those of
 * the template; tests/gates/the-api-roles-hold-… compares them).
 */
function comparable(dump: string): string {
  return (
    dump
      .split(/\n\n+/)
      // Statements about the cron schema or the pg_cron extension (their first line names them).
      .filter((block) => !/^[^\n]*(\bcron\.|SCHEMA cron\b|EXTENSION[^\n]*pg_cron)/.test(block.trimStart()))
      .map((block) =>
        block
          .split("\n")
          .filter((line) => !line.startsWith("ALTER DEFAULT PRIVILEGES"))
          // What platform/hosted-postgres.sql gives postgres on the platform's schemas (on the shared
          // server postgres is the superuser and needs no grant).
          .filter((line) => !/^(GRANT|REVOKE) .* (TO|FROM) postgres( WITH GRANT OPTION)?;$/.test(line))
          .join("\n"),
      )
      .filter((block) => block.trim())
      .join("\n\n")
  );
}

describe("every migration, pushed as the hosted non-superuser postgres", () => {
  it("ran as a postgres without superuser, as on the platform", async () => {
    const [row] = await (hosted as TestDatabase).admin<{ rolsuper: boolean; rolbypassrls: boolean; owner: string }[]>`
      select r.rolsuper, r.rolbypassrls, (select count(*)::int from supabase_migrations.schema_migrations) > 20 as pushed,
        pg_get_userbyid(p.proowner) as owner
      from pg_roles r, pg_proc p where r.rolname = 'postgres' and p.oid = 'public.claim_username(text)'::regprocedure`;
    expect(row).toMatchObject({ rolsuper: false, rolbypassrls: true, owner: "postgres" });
  });

  it("builds the same schema as the superuser-built template", async () => {
    const [mine, template] = await Promise.all([
      schemaDump((cluster as Cluster).url(database)),
      schemaDump(withDatabase(serverUrl, inject("templateDatabase"))),
    ]);
    expect(dumpDifference(comparable(template), comparable(mine), 60)).toEqual([]);
  });

  it("enables the real pg_cron and schedules the jobs as postgres", async () => {
    const jobs = await (hosted as TestDatabase).admin<{ jobname: string; username: string }[]>`
      select jobname, username from cron.job order by jobname`;
    expect(jobs.map((j) => j.jobname)).toEqual([
      "account-maintenance",
      "author-cards",
      "feed-deleted-posts",
      "feed-delivery",
      "feed-queue-drain",
      "media-cleanup",
      "mention-delivery",
      "moderation-outbox",
      "post-index",
      "prune-notifications",
      "purge-cron-run-details",
      "refresh-trending-tags",
    ]);
    expect(new Set(jobs.map((j) => j.username))).toEqual(new Set(["postgres"]));
  });

  it("enforces RLS and column grants: a user reads only their own blocks and never sets a counter", async () => {
    const db = hosted as TestDatabase;
    const ann = await db.newUser("hosted_ann");
    const bob = await db.newUser("hosted_bob");
    await db.request(ann, (tx) => tx`insert into public.blocks (blocked_id) values (${idOf(bob)})`);
    const seen = async (actor: typeof ann) =>
      (await db.request(actor, (tx) => tx<{ n: number }[]>`select count(*)::int as n from public.blocks`))[0]?.n;
    expect(await seen(ann)).toBe(1);
    expect(await seen(bob)).toBe(0);
    await expectDbError(
      db.request(bob, (tx) => tx`update public.profiles set followers_count = 1000000 where id = ${idOf(bob)}`),
      "42501",
      /permission denied/,
    );
    const probe = postgres((cluster as Cluster).url(database, "postgres"), { max: 1, onnotice: () => {} });
    try {
      const [row] = await probe<{ n: number }[]>`select followers_count as n from public.profiles where id = ${idOf(bob)}`;
      expect(row?.n).toBe(0);
    } finally {
      await probe.end();
    }
  });
});
