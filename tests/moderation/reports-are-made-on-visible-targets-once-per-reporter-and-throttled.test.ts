// Reports: a confirmed user reports what they can see (a post, comment, message, profile or group),
// once per target while open (a repeat updates it), within the generic report throttle; the reporter reads their own
// reports, moderators read others', nobody else reads any.
import { describe, expect, it } from "vitest";
import { anon, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { expectThrottled, setLimit } from "../throttles/throttle.ts";
import { castOf, createGroup, createPost, idOf, report, unique } from "./cast.ts";

const db = useTestDatabase();

describe("reports", () => {
  it("every kind of visible target can be reported, and the database fills in who and where", async () => {
    const c = await castOf(db());
    const ids = {
      post: await report(db(), c.reporter, "post", c.groupPost, "spam", "  ads everywhere "),
      comment: await report(db(), c.reporter, "comment", c.groupComment, "harassment"),
      message: await report(db(), c.reporter, "message", c.message, "harassment"),
      profile: await report(db(), c.reporter, "profile", idOf(c.reported), "impersonation"),
      group: await report(db(), c.reporter, "group", c.groupId, "other"),
    };
    const rows = await db().request(
      c.reporter,
      (tx) => tx`select id, reporter_id, target_kind, target_user_id, group_id, details, status from public.reports order by created_at`,
    );
    expect(rows).toHaveLength(5);
    expect(rows.find((r) => r.id === ids.post)).toMatchObject({
      reporter_id: idOf(c.reporter),
      target_user_id: idOf(c.reported),
      group_id: c.groupId,
      details: "ads everywhere",
      status: "open",
    });
    expect(rows.find((r) => r.id === ids.message)).toMatchObject({ target_user_id: idOf(c.reported), group_id: null });
    // Clients may also insert the row itself (supabase.from('reports').insert(...)).
    const [inserted] = await db().request(
      c.bystander,
      (tx) =>
        tx`insert into public.reports (target_kind, target_id, category) values ('post', ${c.groupPost}, 'spam') returning reporter_id`,
    );
    expect(inserted).toEqual({ reporter_id: idOf(c.bystander) });
  });

  it("a repeat while open updates the one report instead of adding a second", async () => {
    const c = await castOf(db());
    const first = await report(db(), c.reporter, "post", c.profilePost, "spam");
    const again = await report(db(), c.reporter, "post", c.profilePost, "hate", "it is hateful too");
    expect(again).toBe(first);
    const rows = await db().request(c.reporter, (tx) => tx`select id, category, details from public.reports`);
    expect(rows).toEqual([{ id: first, category: "hate", details: "it is hateful too" }]);
  });

  it("what the reporter cannot see reads as missing, and bad input names the rule", async () => {
    const c = await castOf(db());
    const outsider = await db().newUser(unique("out"));
    // A message of a conversation the outsider is not in.
    await expectDbError(report(db(), outsider, "message", c.message), "PT404", /message not found/);
    // A post of a private group the outsider is not in.
    const privateGroup = await createGroup(db(), c.groupOwner, "private");
    const hidden = await createPost(db(), c.groupOwner, "members only", privateGroup);
    await expectDbError(report(db(), outsider, "post", hidden), "PT404", /post not found/);
    await expectDbError(report(db(), c.reporter, "post", crypto.randomUUID()), "PT404", /post not found/);
    // A user who blocks the reporter is not visible to them.
    await db().request(c.reported, (tx) => tx`insert into public.blocks (blocked_id) values (${idOf(outsider)})`);
    await expectDbError(report(db(), outsider, "profile", idOf(c.reported)), "PT404", /user not found/);
    await expectDbError(report(db(), c.reporter, "profile", idOf(c.reporter)), "22023", /cannot report yourself/);
    await expectDbError(report(db(), c.reporter, "post", c.groupPost, "boring"), "22023", /category must be one of/);
    await expectDbError(report(db(), c.reporter, "thing", c.groupPost), "22023", /target_kind must be one of/);
    await expectDbError(report(db(), c.reporter, "post", c.groupPost, "spam", "x".repeat(1001)), "22023", /details must be at most 1000/);
    expect(await db().admin`select 1 from public.reports where reporter_id in (${idOf(outsider)}, ${idOf(c.reporter)})`).toHaveLength(0);
  });

  it("anon, unconfirmed users and someone posing as another reporter are refused", async () => {
    const c = await castOf(db());
    await expectDbError(report(db(), anon, "post", c.profilePost), "42501", /permission denied/);
    const unconfirmed = await db().newUser(unique("unc"), { confirm: false });
    await expectDbError(report(db(), unconfirmed, "post", c.profilePost), "42501", /confirm your email/);
    await expectDbError(
      db().request(
        c.bystander,
        (tx) =>
          tx`insert into public.reports (reporter_id, target_kind, target_id, category) values (${idOf(c.reporter)}, 'post', ${c.profilePost}, 'spam')`,
      ),
      "42501",
      /only report as yourself/,
    );
    await expectDbError(
      db().request(c.reporter, (tx) => tx`update public.reports set status = 'dismissed'`),
      "42501",
      /permission denied/,
    );
  });

  it("the generic report throttle refuses a new report past the limit with 429 and writes nothing; a repeat is never counted", async () => {
    const c = await castOf(db());
    // The report limit is the generic one (sql/79_throttles.sql): an operator sets it in rate_limits.
    await setLimit(db(), "report", { burst: 3, sustained: 1, period: "1 day" });
    await db().admin`update private.throttle_settings set enabled = true`;
    try {
      await report(db(), c.reporter, "post", c.profilePost);
      await report(db(), c.reporter, "post", c.groupPost);
      await report(db(), c.reporter, "comment", c.groupComment);
      const before = await db().admin`select id, category from public.reports order by id`;
      const refusal = await expectThrottled(report(db(), c.reporter, "comment", c.profileComment));
      expect(refusal.status).toBe(429);
      expect(refusal.body.code).toBe("PT429");
      expect(refusal.body.message).toMatch(/^too many reports: try again in \d+ seconds$/);
      expect(refusal.details).toMatchObject({ action: "report", burst: 3, sustained: 1 });
      expect(Number(refusal.headers["Retry-After"])).toBe(refusal.details.retry_after);
      // A direct insert into reports is the same write, refused the same way.
      await expectThrottled(
        db().request(
          c.reporter,
          (tx) => tx`insert into public.reports (target_kind, target_id, category) values ('message', ${c.message}, 'spam')`,
        ),
      );
      expect(await db().admin`select id, category from public.reports order by id`).toEqual(before);
      // Past the limit, a repeat of an open report still updates it (it inserts no row: not counted),
      // and takes nothing from the budget: the reporter is still exactly at the limit afterwards.
      const first = await report(db(), c.reporter, "post", c.profilePost, "hate", "still here");
      expect(await db().admin`select category, details from public.reports where id = ${first}`).toEqual([
        { category: "hate", details: "still here" },
      ]);
      const [bucket] = await db()
        .admin`select tat from private.rate_limit_buckets where user_id = ${idOf(c.reporter)} and action = 'report'`;
      await report(db(), c.reporter, "post", c.groupPost, "violence");
      expect(
        await db().admin`select tat from private.rate_limit_buckets where user_id = ${idOf(c.reporter)} and action = 'report'`,
      ).toEqual([bucket]);
      // Another reporter has a budget of their own; a platform moderator is never throttled.
      await report(db(), c.bystander, "comment", c.profileComment);
      await report(db(), c.moderator, "comment", c.profileComment);
      // The bespoke throttle and its setting are gone: one throttle mechanism.
      expect(
        await db().admin`select to_regprocedure('private.throttle_reports(uuid)') as fn,
          (select count(*)::int from information_schema.columns where table_schema = 'private'
            and table_name = 'moderation_settings' and column_name = 'reports_per_hour') as setting`,
      ).toEqual([{ fn: null, setting: 0 }]);
    } finally {
      await db().admin`update private.throttle_settings set enabled = false`;
    }
  });

  it("the reporter reads their own reports, moderators and admins everyone's, nobody else any", async () => {
    const c = await castOf(db());
    const id = await report(db(), c.reporter, "post", c.groupPost);
    const read = (actor: typeof c.reporter) =>
      db().request(actor, (tx) => tx`select id from public.reports where target_user_id = ${idOf(c.reported)}`);
    expect(await read(c.reporter)).toEqual([{ id }]);
    expect(await read(c.moderator)).toEqual([{ id }]);
    expect(await read(c.admin)).toEqual([{ id }]);
    for (const actor of [c.reported, c.bystander, c.groupOwner, c.groupAdmin, c.otherGroupAdmin]) expect(await read(actor)).toEqual([]);
    await expectDbError(read(anon), "42501", /permission denied/);
    expect(await db().request(serviceRole, (tx) => tx`select id from public.reports where target_user_id = ${idOf(c.reported)}`)).toEqual([
      { id },
    ]);
  });
});
