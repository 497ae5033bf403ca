// The moderation log: one row per action, written by triggers whatever the path (RPC, service_role as
// the edge function may, an operator's raw update in Studio with no JWT), and never changed or deleted
// by anyone: authenticated, service_role, or the table owner. The institution review leaves the same
// audit row and notification whether it comes from the RPC or a raw update in Studio.
import { describe, expect, it } from "vitest";
import { type Actor, anon, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { castOf, idOf, moderate, report, unique } from "./cast.ts";

const db = useTestDatabase();

async function logOf(targetId: string) {
  return db().admin<
    { actor_id: string | null; actor_role: string; action: string; reason: string | null; report_ids: string[] }[]
  >`select actor_id, actor_role, action, reason, report_ids from public.moderation_log where target_id = ${targetId} order by created_at, action`;
}

describe("the moderation log", () => {
  it("an RPC action is logged with its actor, reason and the reports it resolved", async () => {
    const c = await castOf(db());
    const r1 = await report(db(), c.reporter, "post", c.groupPost);
    const r2 = await report(db(), c.bystander, "post", c.groupPost, "hate");
    const logId = await moderate(db(), c.groupAdmin, "remove", "post", c.groupPost, "spam", { report_ids: [r1] });
    expect(await logOf(c.groupPost)).toEqual([
      { actor_id: idOf(c.groupAdmin), actor_role: "user", action: "remove", reason: "spam", report_ids: [r1] },
    ]);
    // Every open report of the target resolves together, pointing at the log row.
    expect(await db().admin`select id, status, outcome, log_id from public.reports where target_id = ${c.groupPost} order by id`).toEqual(
      [
        { id: r1, status: "actioned", outcome: "remove", log_id: logId },
        { id: r2, status: "actioned", outcome: "remove", log_id: logId },
      ].sort((a, b) => a.id.localeCompare(b.id)),
    );
  });

  it("several actions in one transaction resolve the reports once and record every action", async () => {
    const c = await castOf(db());
    const r = await report(db(), c.reporter, "post", c.profilePost);
    const logs = await db().request(c.moderator, async (tx) => {
      const [a] = await tx`select public.moderate('remove', 'post', ${c.profilePost}, 'spam', null, ${[r]}::uuid[]) as id`;
      const [b] = await tx`select public.moderate('suspend', 'profile', ${idOf(c.reported)}, 'spam wave', null, ${[r]}::uuid[]) as id`;
      return [a?.id, b?.id];
    });
    expect(await db().admin`select status, outcome, log_id from public.reports where id = ${r}`).toEqual([
      { status: "actioned", outcome: "remove,suspend", log_id: logs[0] },
    ]);
    expect(await db().admin`select report_ids from public.moderation_log where id = ${logs[1] as string}`).toEqual([{ report_ids: [r] }]);
    // In a later transaction the report is resolved for good.
    await expectDbError(
      moderate(db(), c.moderator, "warn", "profile", idOf(c.reported), "x", { report_ids: [r] }),
      "PT409",
      /already resolved/,
    );
    expect(
      await db().request(c.reporter, (tx) => tx`select count(*)::int as n from public.notifications where kind = 'report_resolved'`),
    ).toEqual([{ n: 1 }]);
  });

  it("service_role and an operator editing rows in Studio (no JWT) leave the same rows", async () => {
    const c = await castOf(db());
    await db().request(
      serviceRole,
      (tx) => tx`update public.posts set removed_at = now(), removed_reason = 'via service' where id = ${c.profilePost}`,
    );
    await db().admin`update public.comments set removed_at = now(), removed_reason = 'via studio' where id = ${c.profileComment}`;
    await db()
      .admin`insert into public.suspensions (user_id, until, reason) values (${idOf(c.reported)}, now() + interval '1 day', 'studio suspension')`;
    await db().admin`delete from public.suspensions where user_id = ${idOf(c.reported)}`;
    await db().admin`update public.groups set status = 'suspended' where id = ${c.otherGroupId}`;
    expect(await logOf(c.profilePost)).toEqual([
      { actor_id: null, actor_role: "service_role", action: "remove", reason: "via service", report_ids: [] },
    ]);
    expect(await logOf(c.profileComment)).toEqual([
      { actor_id: null, actor_role: "operator:postgres", action: "remove", reason: "via studio", report_ids: [] },
    ]);
    expect((await logOf(idOf(c.reported))).map((r) => [r.action, r.actor_role])).toEqual([
      ["suspend", "operator:postgres"],
      ["unsuspend", "operator:postgres"],
    ]);
    expect((await logOf(c.otherGroupId)).map((r) => r.action)).toEqual(["suspend_group"]);
    // The user concerned is notified whichever path acted.
    const notes = await db().request(
      c.reported,
      (tx) =>
        tx`select data->>'action' as action, data->>'reason' as reason from public.notifications where kind = 'moderation_action' order by created_at`,
    );
    expect(notes).toEqual(
      expect.arrayContaining([
        { action: "remove", reason: "via service" },
        { action: "remove", reason: "via studio" },
        { action: "suspend", reason: "studio suspension" },
      ]),
    );
  });

  it("nobody updates, deletes or truncates it: not users, not service_role, not the owner", async () => {
    const c = await castOf(db());
    const logId = await moderate(db(), c.moderator, "warn", "profile", idOf(c.reported), "first warning");
    for (const actor of [c.moderator, c.admin, c.reported] as Actor[]) {
      await expectDbError(
        db().request(actor, (tx) => tx`update public.moderation_log set reason = 'x' where id = ${logId}`),
        "42501",
        /permission denied/,
      );
      await expectDbError(
        db().request(actor, (tx) => tx`delete from public.moderation_log where id = ${logId}`),
        "42501",
        /permission denied/,
      );
      await expectDbError(
        db().request(
          actor,
          (tx) =>
            tx`insert into public.moderation_log (actor_role, action, target_kind, target_id) values ('user', 'warn', 'profile', ${logId})`,
        ),
        "42501",
        /permission denied/,
      );
    }
    await expectDbError(
      db().request(anon, (tx) => tx`select 1 from public.moderation_log`),
      "42501",
      /permission denied/,
    );
    await expectDbError(
      db().request(serviceRole, (tx) => tx`update public.moderation_log set reason = 'x' where id = ${logId}`),
      "42501",
      /permission denied/,
    );
    await expectDbError(
      db().request(serviceRole, (tx) => tx`delete from public.moderation_log`),
      "42501",
      /permission denied/,
    );
    await expectDbError(db().admin`update public.moderation_log set reason = 'x' where id = ${logId}`, "42501", /append-only/);
    await expectDbError(db().admin`delete from public.moderation_log where id = ${logId}`, "42501", /append-only/);
    await expectDbError(db().admin`truncate public.moderation_log cascade`, "42501", /append-only/);
    expect(await logOf(idOf(c.reported))).toEqual([
      { actor_id: idOf(c.moderator), actor_role: "user", action: "warn", reason: "first warning", report_ids: [] },
    ]);
  });

  it("who reads it: moderators all, a group's managers their group's, the sanctioned user their sanctions, nobody else", async () => {
    const c = await castOf(db());
    await report(db(), c.reporter, "profile", idOf(c.bystander));
    await moderate(db(), c.moderator, "dismiss", "profile", idOf(c.bystander), null);
    const groupLog = await moderate(db(), c.groupAdmin, "remove", "post", c.groupPost, "spam");
    const warnLog = await moderate(db(), c.moderator, "warn", "profile", idOf(c.reported), "be nice");
    const targets = [idOf(c.bystander), c.groupPost, idOf(c.reported)];
    const read = async (actor: Actor) =>
      (await db().request(actor, (tx) => tx<{ id: string }[]>`select id from public.moderation_log where target_id in ${tx(targets)}`))
        .map((r) => r.id)
        .sort();
    expect(await read(c.moderator)).toHaveLength(3);
    expect(await read(c.admin)).toHaveLength(3);
    expect(await read(c.groupOwner)).toEqual([groupLog]);
    expect(await read(c.reported)).toEqual([groupLog, warnLog].sort());
    // Being reported is not a sanction: the dismissed report's row stays out of the bystander's sight.
    expect(await read(c.bystander)).toEqual([]);
    expect(await read(c.otherGroupAdmin)).toEqual([]);
    expect(await read(c.reporter)).toEqual([]);
  });

  it("the institution review: the RPC from Studio and a raw update leave the same audit row and notification", async () => {
    const creator = await db().newUser(unique("creator"));
    const make = async (name: string) => {
      const [g] = await db().request(
        creator,
        (tx) =>
          tx<
            { id: string }[]
          >`insert into public.groups (kind, slug, name) values ('institution', ${unique("inst").replaceAll("_", "-")}, ${name}) returning id`,
      );
      return (g as { id: string }).id;
    };
    const viaRpc = await make("Clinic One");
    const viaUpdate = await make("Clinic Two");
    const viaReject = await make("Clinic Three");
    // Studio's SQL editor: role postgres, no JWT.
    const [result] = await db().admin<{ r: Record<string, unknown> }[]>`select private.review_institution(${viaRpc}, 'approve') as r`;
    expect(result?.r).toMatchObject({ status: "active", verified: true });
    expect(typeof result?.r.review_id).toBe("string");
    // Studio's table editor: a raw update of verified.
    await db().admin`update public.groups set verified = true where id = ${viaUpdate}`;
    await expectDbError(db().admin`update public.groups set status = 'rejected' where id = ${viaReject}`, "22023", /a reason is required/);
    await db().admin`update public.groups set status = 'rejected', rejection_reason = 'not a clinic' where id = ${viaReject}`;
    const audit = await db().admin`select group_id, reviewer_id, reviewer_role, decision, reason from private.institution_reviews
      where group_id in (${viaRpc}, ${viaUpdate}, ${viaReject}) order by group_name`;
    expect(audit).toEqual([
      { group_id: viaRpc, reviewer_id: null, reviewer_role: "operator:postgres", decision: "approve", reason: null },
      { group_id: viaReject, reviewer_id: null, reviewer_role: "operator:postgres", decision: "reject", reason: "not a clinic" },
      { group_id: viaUpdate, reviewer_id: null, reviewer_role: "operator:postgres", decision: "approve", reason: null },
    ]);
    const notes = await db().request(creator, (tx) => tx`select kind, subject_id from public.notifications order by created_at`);
    expect(notes).toEqual([
      { kind: "institution_approved", subject_id: viaRpc },
      { kind: "institution_approved", subject_id: viaUpdate },
      { kind: "institution_rejected", subject_id: viaReject },
    ]);
    expect(await db().admin`select status, verified from public.groups where id = ${viaUpdate}`).toEqual([
      { status: "active", verified: true },
    ]);
    expect((await logOf(viaUpdate)).map((r) => r.action)).toEqual(["approve_institution"]);
    // An API caller who is not an admin is still refused.
    const other = await make("Clinic Four");
    await expectDbError(
      db().request(creator, (tx) => tx`select private.review_institution(${other}, 'approve')`),
      "42501",
      /only platform admins/,
    );
  });
});
