import { describe, expect, it } from "vitest";
import { anon, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";

const db = useTestDatabase();

async function profileOf(id: string) {
  const [row] = await db().admin`select display_name, bio, avatar_path, is_private, dm_policy from public.profiles where id = ${id}`;
  return row;
}

describe("profiles", () => {
  it("are readable by anon and by every signed-in user, confirmed or not", async () => {
    const owner = await db().newUser("visible_owner", { displayName: "Visible" });
    const unconfirmed = await db().newUser("unconfirmed_reader", { confirm: false });
    for (const actor of [anon, unconfirmed, owner]) {
      const rows = await db().request(actor, (tx) => tx`select display_name from public.profiles where id = ${owner.user?.id ?? ""}`);
      expect(rows).toEqual([{ display_name: "Visible" }]);
    }
  });

  it("let a confirmed owner change display name, bio, avatar, privacy and DM policy", async () => {
    const owner = await db().newUser("editor");
    const id = owner.user?.id ?? "";
    const updated = await db().request(
      owner,
      (tx) => tx`update public.profiles set display_name = 'New Name', bio = 'hello', avatar_path = ${`${id}/me.png`},
        is_private = true, dm_policy = 'followers' where id = ${id} returning id`,
    );
    expect(updated).toHaveLength(1);
    expect(await profileOf(id)).toEqual({
      display_name: "New Name",
      bio: "hello",
      avatar_path: `${id}/me.png`,
      is_private: true,
      dm_policy: "followers",
    });
  });

  it("refuse an owner's write before the email is confirmed, and allow it after", async () => {
    const owner = await db().newUser("late_confirmer", { confirm: false });
    const id = owner.user?.id ?? "";
    const none = await db().request(owner, (tx) => tx`update public.profiles set bio = 'too early' where id = ${id} returning id`);
    expect(none).toEqual([]);
    expect((await profileOf(id))?.bio).toBe("");
    await db().confirmEmail(owner.user as never);
    const done = await db().request(owner, (tx) => tx`update public.profiles set bio = 'now' where id = ${id} returning id`);
    expect(done).toHaveLength(1);
  });

  it("cannot be changed by another user, nor by anon", async () => {
    const owner = await db().newUser("target_owner");
    const stranger = await db().newUser("profile_stranger");
    const id = owner.user?.id ?? "";
    const none = await db().request(stranger, (tx) => tx`update public.profiles set bio = 'defaced' where id = ${id} returning id`);
    expect(none).toEqual([]);
    await expectDbError(
      db().request(anon, (tx) => tx`update public.profiles set bio = 'defaced' where id = ${id}`),
      "42501",
      /permission denied for table profiles/,
    );
    expect((await profileOf(id))?.bio).toBe("");
  });

  it.each([
    ["id", "gen_random_uuid()"],
    ["created_at", "now()"],
    ["updated_at", "now()"],
  ])("never let the owner write the column %s", async (column) => {
    const owner = await db().newUser(`col_${column}`);
    await expectDbError(
      db().request(owner, (tx) => tx.unsafe(`update public.profiles set ${column} = ${column} where id = $1`, [owner.user?.id ?? ""])),
      "42501",
      /permission denied for table profiles/,
    );
  });

  it("cannot be inserted or deleted by clients; the database creates them at sign-up", async () => {
    const owner = await db().newUser("no_insert");
    await expectDbError(
      db().request(owner, (tx) => tx`insert into public.profiles (id, display_name) values (gen_random_uuid(), 'x')`),
      "42501",
      /permission denied/,
    );
    await expectDbError(
      db().request(owner, (tx) => tx`delete from public.profiles where id = ${owner.user?.id ?? ""}`),
      "42501",
      /permission denied/,
    );
  });

  it.each([
    ["display_name", "''", "profiles_display_name_length"],
    ["display_name", "' padded '", "profiles_display_name_length"],
    ["display_name", `'${"x".repeat(51)}'`, "profiles_display_name_length"],
    ["bio", `'${"b".repeat(501)}'`, "profiles_bio_length"],
    ["avatar_path", "'someone-else/pic.png'", "profiles_avatar_path_in_own_folder"],
    ["dm_policy", "'friends'", ""],
  ])("refuse %s = %s with a check that names the rule", async (column, value, constraint) => {
    const owner = await db().newUser(`bad_${Math.random().toString(36).slice(2, 8)}`);
    const id = owner.user?.id ?? "";
    const error = await expectDbError(
      db().request(owner, (tx) => tx.unsafe(`update public.profiles set ${column} = ${value} where id = $1`, [id])),
      constraint ? "23514" : "22P02",
    );
    if (constraint) expect(error.message).toContain(constraint);
    expect(await profileOf(id)).toMatchObject({ bio: "", avatar_path: null, dm_policy: "everyone" });
  });

  it("can be managed by service_role (operators and workflows)", async () => {
    const owner = await db().newUser("managed");
    const rows = await db().request(
      serviceRole,
      (tx) => tx`update public.profiles set bio = 'set by ops' where id = ${owner.user?.id ?? ""} returning bio`,
    );
    expect(rows).toEqual([{ bio: "set by ops" }]);
  });
});
