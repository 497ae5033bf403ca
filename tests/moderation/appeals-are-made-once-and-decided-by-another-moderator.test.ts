// Appeals: the sanctioned user (even while suspended) appeals one of their sanctions once; a
// moderator other than the one who acted decides; granting lifts the sanction; the decision is logged
// and notified.
import { describe, expect, it } from "vitest";
import { type Actor, anon, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { castOf, createPost, idOf, makeModerator, moderate, rpc, unique } from "./cast.ts";

const db = useTestDatabase();

function appeal(actor: Actor, logId: string, statement: string) {
  return rpc<string>(db(), actor, "appeal", { log_id: logId, statement });
}

function decide(actor: Actor, appealId: string, granted: boolean, reason: string | null) {
  return rpc<string>(db(), actor, "decide_appeal", { appeal_id: appealId, granted, reason });
}

describe("appeals", () => {
  it("a suspended user appeals once; another moderator grants it and the suspension is lifted", async () => {
    const c = await castOf(db());
    const logId = await moderate(db(), c.moderator, "suspend", "profile", idOf(c.reported), "spam wave");
    // The suspended user reads the log row of their own sanction.
    expect(await db().request(c.reported, (tx) => tx`select action, reason from public.moderation_log where id = ${logId}`)).toEqual([
      { action: "suspend", reason: "spam wave" },
    ]);
    const appealId = await appeal(c.reported, logId, "  I was hacked  ");
    await expectDbError(appeal(c.reported, logId, "again"), "23505", /already appealed/);
    expect(await db().request(c.reported, (tx) => tx`select statement, status from public.appeals`)).toEqual([
      { statement: "I was hacked", status: "pending" },
    ]);
    // The moderator who acted cannot decide; others who are not moderators cannot see it.
    await expectDbError(decide(c.moderator, appealId, true, "ok"), "42501", /another moderator/);
    for (const actor of [c.bystander, c.groupOwner, c.reporter])
      await expectDbError(decide(actor, appealId, true, "ok"), "PT404", /appeal not found/);
    // The suspended user writes nothing but the appeal itself.
    await expectDbError(decide(c.reported, appealId, true, "ok"), "PT403", /suspended/);
    await expectDbError(decide(c.admin, appealId, true, " "), "22023", /reason must be/);
    const decision = await decide(c.admin, appealId, true, "account was compromised");
    await expectDbError(decide(c.admin, appealId, false, "changed my mind"), "PT409", /already decided/);
    await createPost(db(), c.reported, "free again");
    expect(await db().admin`select action, actor_id from public.moderation_log where id = ${decision}`).toEqual([
      { action: "appeal_granted", actor_id: idOf(c.admin) },
    ]);
    const [note] = await db().request(
      c.reported,
      (tx) => tx`select data->>'granted' as granted, data->>'reason' as reason from public.notifications where kind = 'appeal_decided'`,
    );
    expect(note).toEqual({ granted: "true", reason: "account was compromised" });
    expect(await db().request(c.reported, (tx) => tx`select status, decision_reason from public.appeals where id = ${appealId}`)).toEqual([
      { status: "granted", decision_reason: "account was compromised" },
    ]);
  });

  it("a denied appeal leaves the sanction; only one's own sanctions can be appealed", async () => {
    const c = await castOf(db());
    const logId = await moderate(db(), c.groupAdmin, "remove", "post", c.groupPost, "off topic");
    await expectDbError(appeal(c.bystander, logId, "not mine"), "PT404", /sanction not found/);
    await expectDbError(appeal(anon, logId, "x"), "42501", /permission denied/);
    await expectDbError(appeal(c.reported, crypto.randomUUID(), "x"), "PT404");
    await expectDbError(appeal(c.reported, logId, " "), "22023", /statement must be/);
    const appealId = await appeal(c.reported, logId, "it was on topic");
    // The group's owner (not the admin who acted) decides appeals about the group's content.
    await expectDbError(decide(c.groupAdmin, appealId, true, "x"), "42501", /another moderator/);
    await expectDbError(decide(c.otherGroupAdmin, appealId, true, "x"), "PT404");
    await decide(c.groupOwner, appealId, false, "it was off topic");
    expect(await db().admin`select removed_reason from public.posts where id = ${c.groupPost}`).toEqual([{ removed_reason: "off topic" }]);
    // A restore is not a sanction: nothing to appeal.
    const restore = await moderate(db(), c.moderator, "restore", "post", c.groupPost, null);
    await expectDbError(appeal(c.reported, restore, "x"), "PT404", /sanction not found/);
    const mod2 = await makeModerator(db(), await db().newUser(unique("m2")));
    expect(mod2).toBeTruthy();
  });
});
