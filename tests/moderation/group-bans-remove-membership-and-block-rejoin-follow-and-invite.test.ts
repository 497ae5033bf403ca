// Group bans: a group's owners and admins (or platform moderators) ban a user: the membership goes,
// and the user cannot rejoin, follow or be invited until the ban ends or is lifted. The owner cannot
// be banned; an admin only by the owner or the platform; another group's admin not at all.
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { castOf, idOf, moderate, rpc, unique } from "./cast.ts";

const db = useTestDatabase();

describe("group bans", () => {
  it("a ban removes the member and refuses rejoin, follow and invitation; unban lifts it", async () => {
    const c = await castOf(db());
    const g = c.groupId;
    await db().request(c.reported, (tx) => tx`delete from public.group_follows where group_id = ${g}`);
    await moderate(db(), c.groupAdmin, "group_ban", "profile", idOf(c.reported), "repeated spam", { group_id: g });
    expect(await db().admin`select 1 from public.group_members where group_id = ${g} and user_id = ${idOf(c.reported)}`).toEqual([]);
    await expectDbError(rpc(db(), c.reported, "join_group", { group_id: g }), "42501", /you are banned from this group/);
    await expectDbError(
      db().request(c.reported, (tx) => tx`insert into public.group_follows (group_id) values (${g})`),
      "42501",
      /you are banned from this group/,
    );
    await expectDbError(
      rpc(db(), c.groupOwner, "invite_to_group", { group_id: g, user_id: idOf(c.reported) }),
      "42501",
      /this user is banned/,
    );
    expect(await db().request(c.reported, (tx) => tx`select reason from public.group_bans`)).toEqual([{ reason: "repeated spam" }]);
    expect(await db().request(c.groupOwner, (tx) => tx`select user_id from public.group_bans`)).toEqual([{ user_id: idOf(c.reported) }]);
    expect(await db().request(c.otherGroupAdmin, (tx) => tx`select 1 from public.group_bans`)).toEqual([]);
    await moderate(db(), c.groupOwner, "group_unban", "profile", idOf(c.reported), null, { group_id: g });
    await rpc(db(), c.reported, "join_group", { group_id: g });
    await expectDbError(
      moderate(db(), c.groupOwner, "group_unban", "profile", idOf(c.reported), null, { group_id: g }),
      "PT409",
      /not banned/,
    );
  });

  it("a ban with an end stops counting when it ends", async () => {
    const c = await castOf(db());
    await moderate(db(), c.moderator, "group_ban", "profile", idOf(c.reported), "cool off", {
      group_id: c.groupId,
      until: new Date(Date.now() + 3600_000),
    });
    await expectDbError(rpc(db(), c.reported, "join_group", { group_id: c.groupId }), "42501");
    await db().admin`alter table public.group_bans disable trigger user`;
    await db().admin`update public.group_bans set until = now() - interval '1 second'`;
    await db().admin`alter table public.group_bans enable trigger user`;
    await rpc(db(), c.reported, "join_group", { group_id: c.groupId });
  });

  it("who may ban whom", async () => {
    const c = await castOf(db());
    const g = c.groupId;
    await expectDbError(
      moderate(db(), c.otherGroupAdmin, "group_ban", "profile", idOf(c.reported), "x", { group_id: g }),
      "42501",
      /only the group's owners and admins/,
    );
    await expectDbError(moderate(db(), c.bystander, "group_ban", "profile", idOf(c.reported), "x", { group_id: g }), "42501");
    await expectDbError(
      moderate(db(), c.moderator, "group_ban", "profile", idOf(c.groupOwner), "x", { group_id: g }),
      "PT409",
      /owner of a group cannot be banned/,
    );
    const otherAdmin = await db().newUser(unique("adm2"));
    await rpc(db(), otherAdmin, "join_group", { group_id: g });
    await rpc(db(), c.groupOwner, "set_member_role", { group_id: g, user_id: idOf(otherAdmin), role: "admin" });
    await expectDbError(
      moderate(db(), c.groupAdmin, "group_ban", "profile", idOf(otherAdmin), "x", { group_id: g }),
      "42501",
      /only the group's owner can group_ban one of its admins/,
    );
    await moderate(db(), c.groupOwner, "group_ban", "profile", idOf(otherAdmin), "rogue admin", { group_id: g });
    expect(await db().admin`select 1 from public.group_members where group_id = ${g} and user_id = ${idOf(otherAdmin)}`).toEqual([]);
  });
});
