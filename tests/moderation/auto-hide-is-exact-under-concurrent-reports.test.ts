// Auto-hide: when the distinct open reporters of a post, comment or message reach the configured
// threshold, it is hidden pending review (its author reads `under review`), logged once as auto_hide
// by the system, exactly at the threshold even when the reports arrive at once. A dismissal restores
// it; a removal confirms it.
import { describe, expect, it } from "vitest";
import { type Actor, useTestDatabase } from "../helpers/db.ts";
import { castOf, createPost, idOf, moderate, report, unique } from "./cast.ts";

const db = useTestDatabase();

async function reporters(n: number): Promise<Actor[]> {
  return Promise.all(Array.from({ length: n }, () => db().newUser(unique("r"))));
}

describe("auto-hide", () => {
  it("hides at the threshold exactly, under concurrent reports, and logs it once", async () => {
    const c = await castOf(db());
    await db().admin`update private.moderation_settings set auto_hide_threshold = 4`;
    const post = await createPost(db(), c.reported, "contested");
    const crowd = await reporters(3);
    await Promise.all(crowd.map((u) => report(db(), u, "post", post)));
    // A repeat by the same reporter does not count twice.
    await report(db(), crowd[0] as Actor, "post", post, "hate");
    expect(await db().admin`select removed_at from public.posts where id = ${post}`).toEqual([{ removed_at: null }]);
    // Five more at once: exactly one gets in (the fourth distinct reporter, who hides it); for the
    // other four the post is no longer there to report. The log says so once.
    const more = await reporters(5);
    const outcomes = await Promise.allSettled(more.map((u) => report(db(), u, "post", post)));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    for (const o of outcomes) if (o.status === "rejected") expect((o.reason as { code: string }).code).toBe("PT404");
    expect(await db().admin`select count(distinct reporter_id)::int as n from public.reports where target_id = ${post}`).toEqual([
      { n: 4 },
    ]);
    expect(await db().admin`select removed_reason from public.posts where id = ${post}`).toEqual([{ removed_reason: "under review" }]);
    expect(await db().admin`select actor_id, actor_role, action from public.moderation_log where target_id = ${post}`).toEqual([
      { actor_id: null, actor_role: "system", action: "auto_hide" },
    ]);
    expect(await db().request(c.bystander, (tx) => tx`select 1 from public.posts where id = ${post}`)).toEqual([]);
    expect(await db().request(c.reported, (tx) => tx`select removed_reason from public.posts where id = ${post}`)).toEqual([
      { removed_reason: "under review" },
    ]);
    // Dismissing the reports puts it back.
    await moderate(db(), c.moderator, "dismiss", "post", post, "fine after all");
    expect(await db().admin`select removed_at from public.posts where id = ${post}`).toEqual([{ removed_at: null }]);
    expect(await db().admin`select count(*)::int as n from public.reports where target_id = ${post} and status = 'dismissed'`).toEqual([
      { n: 4 },
    ]);
  });

  it("the hide happens at exactly the threshold, whichever concurrent report crosses it", async () => {
    const c = await castOf(db());
    await db().admin`update private.moderation_settings set auto_hide_threshold = 5`;
    for (let round = 0; round < 3; round++) {
      const post = await createPost(db(), c.reported, `round ${round}`);
      const crowd = await reporters(4);
      await Promise.all(crowd.map((u) => report(db(), u, "post", post)));
      expect(await db().admin`select removed_at from public.posts where id = ${post}`).toEqual([{ removed_at: null }]);
      const last = await reporters(3);
      const outcomes = await Promise.allSettled(last.map((u) => report(db(), u, "post", post)));
      expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
      expect(
        await db().admin`select count(*)::int as n from public.moderation_log where target_id = ${post} and action = 'auto_hide'`,
      ).toEqual([{ n: 1 }]);
    }
  });

  it("a removal confirms a hidden message, with the moderator's reason", async () => {
    const c = await castOf(db());
    await db().admin`update private.moderation_settings set auto_hide_threshold = 1`;
    await report(db(), c.reporter, "message", c.message, "harassment");
    expect(await db().request(c.reporter, (tx) => tx`select 1 from public.messages where id = ${c.message}`)).toEqual([]);
    await moderate(db(), c.moderator, "remove", "message", c.message, "a threat");
    expect(await db().request(c.reported, (tx) => tx`select removed_reason from public.messages where id = ${c.message}`)).toEqual([
      { removed_reason: "a threat" },
    ]);
    expect(
      (await db().admin`select action from public.moderation_log where target_id = ${c.message} order by created_at`).map((r) => r.action),
    ).toEqual(["auto_hide", "remove"]);
    expect(idOf(c.reported)).toBeTruthy();
  });
});
