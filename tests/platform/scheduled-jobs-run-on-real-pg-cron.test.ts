// Every scheduled job is in sql/98_jobs.sql, and the migration enables pg_cron instead of skipping the
// jobs where it is missing. Here they run on a real pg_cron (Debian's postgresql-15-cron, 1.4): a
// throwaway cluster with pg_cron preloaded, migrated as the hosted non-superuser postgres
// (tests/helpers/cluster.ts). pg_cron 1.4 schedules by the minute; to see each job run at once, the test
// copies every job's command into an '@reboot' job and restarts the cluster: pg_cron runs those when it
// starts, as the same user, through the same connection path as the real schedule.
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyPlatformBootstrap, createDatabase, dropDatabase, pushMigrations, withDatabase } from "../../scripts/lib/database.ts";
import { type Cluster, pushAsHostedPostgres, startCluster } from "../helpers/cluster.ts";
import { idOf, TestDatabase, useTestDatabase } from "../helpers/db.ts";
import { serverUrl } from "../helpers/env.ts";
import { expectDbError } from "../helpers/expect-error.ts";

const shared = useTestDatabase();
const database = "jobs";
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

interface Job {
  jobname: string;
  schedule: string;
  command: string;
  username: string;
  database: string;
  active: boolean;
}

describe("the scheduled jobs on a real pg_cron", () => {
  it("are scheduled by the migration, every job of the stand-in's list, as postgres in this database", async () => {
    const jobs = await (hosted as TestDatabase).admin<Job[]>`
      select jobname, schedule, command, username, database, active from cron.job order by jobname`;
    const standIn = await shared().admin<Job[]>`select jobname, schedule, command from cron.job order by jobname`;
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
    expect(jobs.map((j) => [j.jobname, j.command])).toEqual(standIn.map((j) => [j.jobname, j.command]));
    for (const job of jobs) expect(job).toMatchObject({ username: "postgres", database, active: true });
    // pg_cron 1.4 has no interval schedules: the every-second drain runs every minute here; the
    // platform's pg_cron (1.6) and the stand-in take '1 seconds'.
    const schedules = Object.fromEntries(jobs.map((j) => [j.jobname, j.schedule]));
    const standInSchedules = Object.fromEntries(standIn.map((j) => [j.jobname, j.schedule]));
    for (const name of ["feed-delivery", "feed-queue-drain", "mention-delivery", "post-index"]) {
      expect(schedules[name]).toBe("* * * * *");
      expect(standInSchedules[name]).toBe("1 seconds");
    }
    const [extension] = await (hosted as TestDatabase).admin<{ version: string }[]>`
      select extversion as version from pg_extension where extname = 'pg_cron'`;
    expect(extension?.version).toMatch(/^1\.4/);
  });

  it("run: the drains empty their queues, new posts get search documents, deleted posts leave the inboxes, old notifications and run history go, a missing pg_net is a named failure", async () => {
    const db = hosted as TestDatabase;
    const ann = await db.newUser("cron_ann");
    const bob = await db.newUser("cron_bob");
    // bob follows ann and has been seen lately: the feed-delivery job owes him her posts
    await db.request(bob, (tx) => tx`insert into public.follows (followee_id) values (${idOf(ann)})`);
    await db.admin`insert into private.feed_readers (user_id, last_seen_at) values (${idOf(bob)}, now())
      on conflict (user_id) do update set last_seen_at = now()`;
    const [mentioning] = await db.request(
      ann,
      (tx) =>
        tx<{ id: string }[]>`insert into public.posts (content) values (${tx.json({
          blocks: [{ type: "text", value: "hi @bob", meta: { mentions: [{ user_id: idOf(bob), start: 3, end: 7 }] } }],
        })}) returning id`,
    );

    const [post] = await db.request(
      ann,
      (tx) => tx<{ id: string; created_at: Date }[]>`insert into public.posts (content)
        values (${tx.json({ blocks: [{ type: "text", value: "queued" }] })}) returning id, created_at`,
    );
    const [gone] = await db.request(
      ann,
      (tx) => tx<{ id: string }[]>`insert into public.posts (content)
        values (${tx.json({ blocks: [{ type: "text", value: "deleted" }] })}) returning id`,
    );
    await db.request(ann, (tx) => tx`delete from public.posts where id = ${gone?.id ?? null}`);
    await db.admin`insert into private.feed_queue (post_id, author_id, created_at)
      values (${post?.id ?? null}, ${idOf(ann)}, ${post?.created_at ?? null}) on conflict do nothing`;
    await db.admin`insert into public.notifications (recipient_id, kind, created_at)
      values (${idOf(ann)}, 'follow', now() - interval '100 days'), (${idOf(ann)}, 'follow', now())`;
    // ann renames herself with a sync limit of one post: her older posts wait for the author-cards job
    await db.admin`update private.feed_settings set author_card_sync_limit = 1`;
    await db.request(ann, (tx) => tx`update public.profiles set display_name = 'Ann Renamed' where id = ${idOf(ann)}`, {
      method: "PATCH",
    });
    const [waiting] = await db.admin<{ n: number }[]>`select count(*)::int as n from private.author_card_rewrites`;
    expect(waiting?.n).toBe(1);
    await db.admin`insert into cron.job_run_details (jobid, runid, command, status, start_time, end_time)
      values (0, 1000000, 'old', 'succeeded', now() - interval '2 days', now() - interval '2 days')`;

    const postgresRole = postgres((cluster as Cluster).url(database, "postgres"), { max: 1, onnotice: () => {} });
    try {
      await postgresRole`select cron.schedule(j.jobname || '-now', '@reboot', j.command) from cron.job j`;
    } finally {
      await postgresRole.end();
    }
    await db.close();
    await (cluster as Cluster).restart();
    hosted = new TestDatabase(database, (cluster as Cluster).url(database));
    const rebooted = hosted;

    let runs: { jobname: string; status: string; message: string }[] = [];
    for (let i = 0; i < 150; i++) {
      runs = await rebooted.admin`select j.jobname, d.status, coalesce(d.return_message, '') as message
        from cron.job_run_details d join cron.job j using (jobid)
        where j.jobname like '%-now' and d.status in ('succeeded', 'failed') order by j.jobname`;
      if (runs.length === 12) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(runs.map((r) => [r.jobname, r.status])).toEqual([
      ["account-maintenance-now", "failed"],
      ["author-cards-now", "succeeded"],
      ["feed-deleted-posts-now", "succeeded"],
      ["feed-delivery-now", "succeeded"],
      ["feed-queue-drain-now", "succeeded"],
      ["media-cleanup-now", "failed"],
      ["mention-delivery-now", "succeeded"],
      ["moderation-outbox-now", "failed"],
      ["post-index-now", "succeeded"],
      ["prune-notifications-now", "succeeded"],
      ["purge-cron-run-details-now", "succeeded"],
      ["refresh-trending-tags-now", "succeeded"],
    ]);
    expect(runs[0]?.message).toMatch(/account-maintenance needs pg_net/);
    expect(runs[5]?.message).toMatch(/media-cleanup needs pg_net/);
    expect(runs[7]?.message).toMatch(/moderation-outbox needs pg_net/);
    const [state] = await rebooted.admin<
      {
        queued: number;
        delivery_queued: number;
        delivered: number;
        mentions_queued: number;
        search_queued: number;
        indexed: number;
        deleted_noted: number;
        deleted_in_inboxes: number;
        notifications: number;
        mentions: number;
        old_runs: number;
        cards_queued: number;
        stale_cards: number;
      }[]
    >`
      select (select count(*)::int from private.feed_queue) as queued,
        (select count(*)::int from private.feed_delivery_queue) as delivery_queued,
        (select count(*)::int from private.feed_inbox where user_id = ${idOf(bob)} and post_id = ${mentioning?.id ?? null}) as delivered,
        (select count(*)::int from private.mention_queue) as mentions_queued,
        (select count(*)::int from private.post_index_queue) as search_queued,
        (select count(*)::int from private.post_search where post_id = ${post?.id ?? null} and document @@ 'queued'::tsquery) as indexed,
        (select count(*)::int from private.feed_deleted_posts) as deleted_noted,
        (select count(*)::int from private.feed_inbox where post_id = ${gone?.id ?? null}) as deleted_in_inboxes,
        (select count(*)::int from public.notifications where recipient_id = ${idOf(ann)}) as notifications,
        (select count(*)::int from public.notifications where recipient_id = ${idOf(bob)} and kind = 'mention') as mentions,
        (select count(*)::int from cron.job_run_details where runid = 1000000) as old_runs,
        (select count(*)::int from private.author_card_rewrites) as cards_queued,
        (select count(*)::int from public.posts p join public.profiles pr on pr.id = p.author_id
          where p.author_card is distinct from pr.card) as stale_cards`;
    expect(state).toEqual({
      queued: 0,
      delivery_queued: 0,
      delivered: 1,
      mentions_queued: 0,
      search_queued: 0,
      indexed: 1,
      deleted_noted: 0,
      deleted_in_inboxes: 0,
      // the fresh one and bob's follow; the 100-day-old one is pruned
      notifications: 2,
      mentions: 1,
      old_runs: 0,
      // the author-cards job rewrote ann's older post and dequeued her
      cards_queued: 0,
      stale_cards: 0,
    });
  });
});

describe("without pg_cron", () => {
  it("the migration fails loudly where pg_cron cannot be created, instead of skipping the jobs", async () => {
    // The shared server has pg_cron installed but not preloaded: remove the bootstrap's stand-in and
    // the migration's `create extension pg_cron` must stop the push.
    const url = withDatabase(serverUrl, `threads_nocron_${randomBytes(4).toString("hex")}`);
    try {
      await createDatabase(url);
      await applyPlatformBootstrap(url);
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await sql`drop schema cron cascade`;
      } finally {
        await sql.end();
      }
      await expect(pushMigrations(url)).rejects.toThrow(
        /unrecognized configuration parameter "cron\.database_name"[\s\S]*create extension pg_cron/,
      );
    } finally {
      await dropDatabase(url);
    }
  }, 180_000);

  it("the bootstrap's stand-in records jobs by name and refuses a schedule pg_cron would refuse", async () => {
    const job = (schedule: string) => shared().admin`select cron.schedule('stand-in-probe', ${schedule}, 'select 1')`;
    await job("5 seconds");
    await job("*/5 * * * *");
    const rows = await shared().admin`select schedule from cron.job where jobname = 'stand-in-probe'`;
    expect(rows.map((r) => r.schedule)).toEqual(["*/5 * * * *"]);
    await expectDbError(job("every second"), "P0001", /invalid schedule/);
    await expectDbError(job("60 seconds"), "P0001", /invalid schedule/);
  });
});
