// Who handles what: content in a group by its owners and admins and by platform moderators and admins;
// everything else by platform moderators and admins only; an operator in Studio (no JWT) may do all.
// Refusals change nothing; bad input and illegal states answer with the rule.
import { describe, expect, it } from "vitest";
import { type Actor, anon, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { type Cast, castOf, idOf, moderate, moderateAsOperator, rpc, rpcRows, unique } from "./cast.ts";

const db = useTestDatabase();

async function removedAt(table: "posts" | "comments" | "messages", id: string): Promise<Date | null> {
  const [row] = await db().admin.unsafe(`select removed_at from public.${table} where id = $1`, [id]);
  return (row?.removed_at ?? null) as Date | null;
}

describe("moderate", () => {
  it("group content: the group's owner and admin, moderators and admins may; others may not", async () => {
    const c = await castOf(db());
    const refused: [string, Actor][] = [
      ["reporter", c.reporter],
      ["bystander", c.bystander],
      ["admin of another group", c.otherGroupAdmin],
    ];
    for (const [who, actor] of refused) {
      await expectDbError(
        moderate(db(), actor, "remove", "post", c.groupPost, "spam"),
        "42501",
        /only the group's owners and admins and platform moderators/,
      ).catch((e) => {
        throw new Error(`${who}: ${e}`);
      });
      await expectDbError(moderate(db(), actor, "remove", "comment", c.groupComment, "spam"), "42501");
    }
    await expectDbError(moderate(db(), c.reported, "remove", "post", c.groupPost, "spam"), "42501");
    await expectDbError(moderate(db(), anon, "remove", "post", c.groupPost, "spam"), "42501", /permission denied/);
    expect(await removedAt("posts", c.groupPost)).toBeNull();

    for (const actor of [c.groupOwner, c.groupAdmin, c.moderator, c.admin]) {
      await moderate(db(), actor, "remove", "post", c.groupPost, "spam");
      expect(await removedAt("posts", c.groupPost)).not.toBeNull();
      await moderate(db(), actor, "restore", "post", c.groupPost, null);
      expect(await removedAt("posts", c.groupPost)).toBeNull();
    }
    await moderate(db(), c.groupAdmin, "lock", "post", c.groupPost, "cool down");
    await moderate(db(), c.groupOwner, "unlock", "post", c.groupPost, null);
  });

  it("everything else: platform moderators and admins only, group managers included out", async () => {
    const c = await castOf(db());
    const targets: [string, string, string][] = [
      ["remove", "post", c.profilePost],
      ["remove", "comment", c.profileComment],
      ["remove", "message", c.message],
      ["warn", "profile", idOf(c.reported)],
      ["suspend_group", "group", c.otherGroupId],
    ];
    for (const [action, kind, id] of targets) {
      for (const actor of [c.reporter, c.bystander, c.groupOwner, c.groupAdmin, c.otherGroupAdmin]) {
        await expectDbError(moderate(db(), actor, action, kind, id, "reason"), "42501", /only platform moderators and admins/);
      }
    }
    expect(await removedAt("posts", c.profilePost)).toBeNull();
    await moderate(db(), c.moderator, "remove", "post", c.profilePost, "spam");
    await moderate(db(), c.admin, "remove", "comment", c.profileComment, "spam");
    await moderate(db(), c.moderator, "remove", "message", c.message, "threat");
    await moderate(db(), c.admin, "warn", "profile", idOf(c.reported), "be nice");
    expect(await removedAt("comments", c.profileComment)).not.toBeNull();
    expect(await removedAt("messages", c.message)).not.toBeNull();
  });

  it("a suspended group stays readable by its members only, takes no posts or joins, and comes back", async () => {
    const c = await castOf(db());
    await moderate(db(), c.moderator, "suspend_group", "group", c.groupId, "coordinated spam");
    const feed = (actor: Actor) => rpcRows<{ post_id: string }>(db(), actor, "group_feed", { group_id: c.groupId, page_size: 10 });
    expect((await feed(c.bystander)).map((r) => r.post_id)).toContain(c.groupPost);
    expect(await db().request(c.bystander, (tx) => tx`select status from public.groups where id = ${c.groupId}`)).toEqual([
      { status: "suspended" },
    ]);
    const outsider = await db().newUser(unique("out"));
    expect(await feed(outsider)).toEqual([]);
    expect(await db().request(anon, (tx) => tx`select 1 from public.groups where id = ${c.groupId}`)).toEqual([]);
    await expectDbError(rpc(db(), outsider, "join_group", { group_id: c.groupId }), "PT404");
    await expectDbError(
      rpc(db(), c.bystander, "create_post", { content: { blocks: [{ type: "text", value: "x" }] }, title: "t", group_id: c.groupId }),
      "PT409",
      /not active/,
    );
    await expectDbError(moderate(db(), c.moderator, "suspend_group", "group", c.groupId, "again"), "PT409", /only an active group/);
    await moderate(db(), c.admin, "unsuspend_group", "group", c.groupId, null);
    expect(await feed(outsider)).not.toEqual([]);
  });

  it("bad input and illegal states answer with the rule and change nothing", async () => {
    const c: Cast = await castOf(db());
    const m = c.moderator;
    await expectDbError(moderate(db(), m, "delete", "post", c.profilePost, "x"), "22023", /action must be one of/);
    await expectDbError(moderate(db(), m, "remove", "thing", c.profilePost, "x"), "22023", /target_kind must be one of/);
    await expectDbError(moderate(db(), m, "lock", "comment", c.profileComment, "x"), "22023", /lock does not apply to a comment/);
    await expectDbError(moderate(db(), m, "suspend", "post", c.profilePost, "x"), "22023", /suspend does not apply to a post/);
    await expectDbError(moderate(db(), m, "remove", "post", c.profilePost, "  "), "22023", /reason is required to remove/);
    await expectDbError(moderate(db(), m, "remove", "post", c.profilePost, "x".repeat(1001)), "22023", /at most 1000/);
    await expectDbError(
      moderate(db(), m, "remove", "post", c.profilePost, "x", { until: new Date(Date.now() + 1000) }),
      "22023",
      /until applies only to suspend and group_ban/,
    );
    await expectDbError(
      moderate(db(), m, "suspend", "profile", idOf(c.reported), "x", { until: new Date(Date.now() - 1000) }),
      "22023",
      /until must be in the future/,
    );
    await expectDbError(moderate(db(), m, "group_ban", "profile", idOf(c.reported), "x"), "22023", /group_id is required/);
    await expectDbError(moderate(db(), m, "remove", "post", crypto.randomUUID(), "x"), "PT404", /post not found/);
    await expectDbError(moderate(db(), m, "warn", "profile", crypto.randomUUID(), "x"), "PT404", /user not found/);
    await expectDbError(moderate(db(), m, "restore", "post", c.profilePost, null), "PT409", /not removed/);
    await expectDbError(moderate(db(), m, "dismiss", "post", c.profilePost, null), "PT409", /no open report/);
    await moderate(db(), m, "remove", "post", c.profilePost, "spam");
    await expectDbError(moderate(db(), m, "remove", "post", c.profilePost, "spam"), "PT409", /already removed/);
    await expectDbError(
      moderate(db(), m, "remove", "post", c.groupPost, "x", { report_ids: [crypto.randomUUID()] }),
      "PT404",
      /report not found/,
    );
    expect(await removedAt("posts", c.groupPost)).toBeNull();
    const unconfirmed = await db().newUser(unique("unc"), { confirm: false });
    await expectDbError(moderate(db(), unconfirmed, "warn", "profile", idOf(c.reported), "x"), "42501", /confirm your email/);
  });

  it("an operator with no JWT may take any action from Studio's SQL editor", async () => {
    const c = await castOf(db());
    const logId = await moderateAsOperator(db(), "remove", "post", c.profilePost, "operator cleanup");
    expect(await removedAt("posts", c.profilePost)).not.toBeNull();
    const [row] = await db().admin`select actor_id, actor_role, action, reason from public.moderation_log where id = ${logId}`;
    expect(row).toEqual({ actor_id: null, actor_role: "operator:postgres", action: "remove", reason: "operator cleanup" });
    await moderateAsOperator(db(), "group_ban", "profile", idOf(c.reported), "operator ban", { group_id: c.groupId });
    expect(await db().admin`select 1 from public.group_members where group_id = ${c.groupId} and user_id = ${idOf(c.reported)}`).toEqual(
      [],
    );
  });
});
