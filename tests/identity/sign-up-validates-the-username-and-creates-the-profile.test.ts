import { describe, expect, it } from "vitest";
import { anon, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";

const db = useTestDatabase();

async function countAuthUsers(email: string): Promise<number> {
  const [row] = await db().admin<{ n: number }[]>`select count(*)::int as n from auth.users where email = ${email}`;
  return row?.n ?? -1;
}

describe("sign-up", () => {
  it("creates the profile with the display name and stores the username lower-cased, privately", async () => {
    const user = await db().signUp({ username: "Ada_Lovelace", displayName: "Ada L." });
    const rows = await db().request(
      anon,
      (tx) => tx`select id, display_name, is_private, dm_policy from public.profiles where id = ${user.id}`,
    );
    expect(rows).toEqual([{ id: user.id, display_name: "Ada L.", is_private: false, dm_policy: "everyone" }]);
    const [stored] = await db().admin`select username from private.usernames where user_id = ${user.id}`;
    expect(stored?.username).toBe("ada_lovelace");
  });

  it.each([
    ["ab", "22023", /3–30 characters/],
    ["a".repeat(31), "22023", /3–30 characters/],
    ["has space", "22023", /3–30 characters/],
    ["dash-ed", "22023", /3–30 characters/],
    ["émile", "22023", /3–30 characters/],
    ["Admin", "22023", /reserved/],
    ["support", "22023", /reserved/],
  ])("refuses the username %j with %s and leaves no user behind", async (username, code, message) => {
    const email = `${Math.random().toString(36).slice(2)}@example.test`;
    await expectDbError(db().signUp({ username, email }), code, message);
    expect(await countAuthUsers(email)).toBe(0);
  });

  // A sign-up with no username at all creates a user who claims one later
  // (tests/identity/users-created-without-a-username-claim-one-once-before-they-can-act.test.ts).
  it("refuses an empty username", async () => {
    await expectDbError(db().signUp({ username: "x", data: { username: "", display_name: "No Username" } }), "22023", /3–30 characters/);
  });

  it("refuses a username taken in another letter case with 23505", async () => {
    await db().signUp({ username: "grace" });
    const email = "second.grace@example.test";
    await expectDbError(db().signUp({ username: "GRACE", email }), "23505", /username is taken/);
    expect(await countAuthUsers(email)).toBe(0);
  });

  it.each([
    ["", /display name must be 1–50/],
    ["   ", /display name must be 1–50/],
    ["x".repeat(51), /display name must be 1–50/],
  ])("refuses the display name %j", async (displayName, message) => {
    await expectDbError(db().signUp({ username: `dn_${Math.random().toString(36).slice(2, 8)}`, displayName }), "22023", message);
  });

  it("trims the display name and never derives it from the username or the email", async () => {
    const user = await db().signUp({ username: "trimmed_name", displayName: "  Spaced Out  " });
    const [row] = await db().admin`select display_name from public.profiles where id = ${user.id}`;
    expect(row?.display_name).toBe("Spaced Out");
  });

  it("lets two racing sign-ups for one username produce exactly one account", async () => {
    const results = await Promise.allSettled([
      db().signUp({ username: "race_winner", email: "r1@example.test" }),
      db().signUp({ username: "race_winner", email: "r2@example.test" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect((rejected.reason as { code: string }).code).toBe("23505");
    const [n] = await db().admin`select count(*)::int as n from private.usernames where username = 'race_winner'`;
    expect(n?.n).toBe(1);
  });
});

describe("username_available", () => {
  it("answers anon and users alike: free, taken (any case), reserved and malformed", async () => {
    await db().signUp({ username: "taken_name" });
    const user = await db().newUser("asker");
    for (const actor of [anon, user]) {
      expect(await db().rpc(actor, "username_available", { candidate: "free_name" })).toBe(true);
      expect(await db().rpc(actor, "username_available", { candidate: "Taken_Name" })).toBe(false);
      expect(await db().rpc(actor, "username_available", { candidate: "root" })).toBe(false);
      expect(await db().rpc(actor, "username_available", { candidate: "no" })).toBe(false);
      expect(await db().rpc(actor, "username_available", { candidate: null })).toBe(false);
    }
  });
});
