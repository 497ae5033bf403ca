// Reports: a confirmed user reports what they can see (a post, comment, message, profile or group),
// once per target while open (a repeat updates it), within the throttle; the reporter reads their own
// reports, moderators read others', nobody else reads any.
import { describe, expect, it } from "vitest";
import { anon, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
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

  it("the throttle refuses past the hourly limit with PT429 (and the limit is a setting)", async () => {
    const c = await castOf(db());
    await db().admin`update private.moderation_settings set reports_per_hour = 3`;
    const targets = [c.profilePost, c.groupPost, c.groupComment, c.profileComment];
    await report(db(), c.reporter, "post", targets[0] as string);
    await report(db(), c.reporter, "post", targets[1] as string);
    await report(db(), c.reporter, "comment", targets[2] as string);
    await expectDbError(report(db(), c.reporter, "comment", targets[3] as string), "PT429", /too many reports: at most 3 an hour/);
    // A repeat is not a new report: it is never throttled. Another reporter has a budget of their own.
    await report(db(), c.reporter, "post", targets[0] as string, "hate");
    await report(db(), c.bystander, "comment", targets[3] as string);
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
