// Supabase Studio's "Add user", invitations, auth.admin.createUser and OAuth sign-ins insert into
// auth.users without our username metadata. Such a user is created (with a profile), reads like
// anyone, and cannot write until claiming a username once with claim_username; the username is
// immutable after (docs/identity.md).
import { describe, expect, it } from "vitest";
import { type Actor, anon, idOf, type User, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";

const db = useTestDatabase();
const text = (value: string) => ({ blocks: [{ type: "text", value }] });

/** What GoTrue writes for Studio's "Add user" / auth.admin.createUser with auto-confirm: no user metadata of ours. */
async function createdByAdmin(confirm = true, data: Record<string, unknown> = {}): Promise<{ user: User; actor: Actor }> {
  const user = await db().signUp({ username: "", data, confirm });
  return { user, actor: await db().signIn(user) };
}

async function postsBy(id: string): Promise<number> {
  const [row] = await db().admin<{ n: number }[]>`select count(*)::int as n from public.posts where author_id = ${id}`;
  return row?.n ?? -1;
}

describe("a user created without a username", () => {
  it("exists with a profile, a display name from the provider or 'New user', no username and no role user", async () => {
    const plain = await createdByAdmin();
    const oauth = await createdByAdmin(true, { full_name: "Grace Hopper", avatar_url: "https://example.test/g.png" });
    const rows = await db().request(
      anon,
      (tx) => tx<{ id: string; display_name: string }[]>`select id, display_name from public.profiles
        where id in (${plain.user.id}, ${oauth.user.id}) order by display_name`,
    );
    expect(rows).toEqual([
      { id: oauth.user.id, display_name: "Grace Hopper" },
      { id: plain.user.id, display_name: "New user" },
    ]);
    const account = (await db().rpc(plain.actor, "my_account")) as { username: string | null; roles: string[]; email_confirmed: boolean };
    expect(account).toMatchObject({ username: null, roles: [], email_confirmed: true });
  });

  it("reads like anyone but every write is refused with 42501 naming the rule, changing nothing", async () => {
    const { actor } = await createdByAdmin();
    const other = await db().newUser("claim_other");
    expect((await db().request(actor, (tx) => tx`select id from public.profiles where id = ${idOf(other)}`)).length).toBe(1);
    const rule = /choose a username before you do this/;
    await expectDbError(
      db().request(actor, (tx) => tx`insert into public.posts (content) values (${tx.json(text("hi"))})`),
      "42501",
      rule,
    );
    await expectDbError(
      db().request(actor, (tx) => tx`insert into public.follows (followee_id) values (${idOf(other)})`),
      "42501",
      rule,
    );
    await expectDbError(
      db().request(actor, (tx) => tx`update public.profiles set display_name = 'Renamed' where id = ${idOf(actor)}`),
      "42501",
      rule,
    );
    await expectDbError(db().rpc(actor, "start_conversation", { other_user: idOf(other) }), "42501", rule);
    expect(await postsBy(idOf(actor))).toBe(0);
    const [follows] = await db().admin<{ n: number }[]>`select count(*)::int as n from public.follows where follower_id = ${idOf(actor)}`;
    expect(follows?.n).toBe(0);
  });

  it("claims a username once: bad, reserved and taken ones are refused; a second claim is refused; then it can act", async () => {
    const { user, actor } = await createdByAdmin();
    const taken = await db().newUser("taken_name");
    await expectDbError(db().rpc(actor, "claim_username", { username: "no" }), "22023", /3–30 characters/);
    await expectDbError(db().rpc(actor, "claim_username", { username: "admin" }), "22023", /username is reserved/);
    await expectDbError(db().rpc(actor, "claim_username", { username: "TAKEN_NAME" }), "23505", /username is taken/);
    expect(taken.user?.username).toBe("taken_name");
    expect(await db().rpc(actor, "claim_username", { username: "Late_Comer" })).toBe("late_comer");
    await expectDbError(db().rpc(actor, "claim_username", { username: "another_one" }), "PT409", /cannot change/);
    const [stored] = await db().admin`select username from private.usernames where user_id = ${user.id}`;
    expect(stored?.username).toBe("late_comer");
    expect(await db().rpc(actor, "username_available", { candidate: "late_comer" })).toBe(false);
    const account = (await db().rpc(actor, "my_account")) as { username: string | null; roles: string[] };
    expect(account).toMatchObject({ username: "late_comer", roles: ["user"] });
    await db().request(actor, (tx) => tx`insert into public.posts (content) values (${tx.json(text("now I can"))})`);
    expect(await postsBy(user.id)).toBe(1);
  });

  it("unconfirmed: may claim, and acts once the email is confirmed", async () => {
    const { user, actor } = await createdByAdmin(false);
    await db().rpc(actor, "claim_username", { username: "invited_one" });
    await expectDbError(
      db().request(actor, (tx) => tx`insert into public.posts (content) values (${tx.json(text("early"))})`),
      "42501",
      /confirm your email address/,
    );
    await db().confirmEmail(user);
    await db().request(actor, (tx) => tx`insert into public.posts (content) values (${tx.json(text("confirmed"))})`);
    expect(await postsBy(user.id)).toBe(1);
  });

  it("is for signed-in users only, and two users racing for one username get it once", async () => {
    await expectDbError(db().rpc(anon, "claim_username", { username: "anon_name" }), "42501");
    const a = await createdByAdmin();
    const b = await createdByAdmin();
    const results = await Promise.allSettled([
      db().rpc(a.actor, "claim_username", { username: "contested" }),
      db().rpc(b.actor, "claim_username", { username: "contested" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect((refused.reason as { code: string }).code).toBe("23505");
  });

  it("keeps a signed-up user's username out of reach of claim_username", async () => {
    const ada = await db().newUser("claim_ada");
    await expectDbError(db().rpc(ada, "claim_username", { username: "claim_ada2" }), "PT409", /cannot change/);
  });
});
