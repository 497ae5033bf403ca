import { describe, expect, it } from "vitest";
import { anon, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { createGroup, idOf, slugFor, unique } from "./fixtures.ts";

const db = useTestDatabase();

async function groupOwnerRole(userId: string): Promise<boolean> {
  const [row] = await db().admin`select exists (select from public.user_roles where user_id = ${userId} and role = 'group_owner') as has`;
  return row?.has as boolean;
}

describe("creating a generic group", () => {
  it("makes it active and unverified, the caller its created_by and active owner, with the group_owner role", async () => {
    const creator = await db().newUser(unique("creator"));
    expect(await groupOwnerRole(idOf(creator))).toBe(false);
    const group = await createGroup(db(), creator, { name: "Chess Club", visibility: "private" });
    expect(group).toMatchObject({
      kind: "generic",
      name: "Chess Club",
      visibility: "private",
      status: "active",
      verified: false,
      rejection_reason: null,
      member_count: 1,
      follower_count: 0,
      created_by: idOf(creator),
    });
    const members = await db().admin`select user_id, role, status from public.group_members where group_id = ${group.id}`;
    expect(members).toEqual([{ user_id: idOf(creator), role: "owner", status: "active" }]);
    expect(await groupOwnerRole(idOf(creator))).toBe(true);
    const roles = (await db().rpc(creator, "my_account")) as { roles: string[] };
    expect(roles.roles).toContain("group_owner");
  });

  it("refuses columns that are the database's: status, verified, counts, created_by", async () => {
    const creator = await db().newUser(unique("creator"));
    const other = await db().newUser(unique("other"));
    for (const [column, value] of [
      ["status", "active"],
      ["verified", true],
      ["member_count", 100],
      ["follower_count", 100],
      ["created_by", idOf(other)],
      ["rejection_reason", "none"],
    ] as const) {
      await expectDbError(
        db().request(
          creator,
          (tx) => tx`insert into public.groups (slug, name, ${tx(column)}) values (${slugFor("g")}, 'X', ${value as string})`,
        ),
        "42501",
        /permission denied for table groups/,
      );
    }
    const [n] = await db().admin`select count(*)::int as n from public.groups where created_by = ${idOf(creator)}`;
    expect(n?.n).toBe(0);
  });

  it("is refused to anon (42501) and to a user whose email is not confirmed (42501, naming the rule)", async () => {
    const unconfirmed = await db().newUser(unique("unconfirmed"), { confirm: false });
    const before = await db().admin`select id from public.groups`;
    await expectDbError(createGroup(db(), anon), "42501", /permission denied/);
    await expectDbError(createGroup(db(), unconfirmed), "42501", /confirm your email address/);
    const [n] = await db().admin`select count(*)::int as n from public.groups where created_by = ${idOf(unconfirmed)}`;
    expect(await db().admin`select id from public.groups`).toEqual(before);
    expect(n?.n).toBe(0);
  });

  it.each([
    ["ab", "23514", /groups_slug_format/],
    ["a".repeat(51), "23514", /groups_slug_format/],
    ["Upper-Case", "23514", /groups_slug_format/],
    ["under_score", "23514", /groups_slug_format/],
    ["spa ce", "23514", /groups_slug_format/],
  ])("refuses the slug %j", async (slug, code, message) => {
    const creator = await db().newUser(unique("creator"));
    await expectDbError(createGroup(db(), creator, { slug }), code, message);
  });

  it("accepts slugs of exactly 3 and 50 characters of a-z, 0-9 and -, and refuses a taken slug with 23505", async () => {
    const creator = await db().newUser(unique("creator"));
    await createGroup(db(), creator, { slug: "a-1" });
    await createGroup(db(), creator, { slug: "z".repeat(50) });
    const other = await db().newUser(unique("other"));
    await expectDbError(createGroup(db(), other, { slug: "a-1" }), "23505", /groups_slug_key/);
    expect(await groupOwnerRole(idOf(other))).toBe(false);
  });

  it.each([
    ["", /groups_name_length/],
    [" padded ", /groups_name_length/],
    ["x".repeat(101), /groups_name_length/],
    ["Line\r\nBcc: someone", /groups_name_plain/],
    ["Tab\there", /groups_name_plain/],
  ])("refuses the name %j", async (name, message) => {
    const creator = await db().newUser(unique("creator"));
    await expectDbError(createGroup(db(), creator, { name }), "23514", message);
  });

  it("lets service_role create a group on behalf of a user, who becomes the owner; without created_by it is refused", async () => {
    const user = await db().newUser(unique("behalf"));
    const [row] = await db().request(
      serviceRole,
      (tx) => tx`insert into public.groups (slug, name, created_by) values (${slugFor("svc")}, 'Ops', ${idOf(user)}) returning id, status`,
    );
    expect(row?.status).toBe("active");
    expect(await groupOwnerRole(idOf(user))).toBe(true);
    await expectDbError(
      db().request(serviceRole, (tx) => tx`insert into public.groups (slug, name) values (${slugFor("svc")}, 'Ops')`),
      "22023",
      /created_by is required/,
    );
  });
});

describe("creating an institution", () => {
  it("makes it pending, unverified and public, with an empty institution profile", async () => {
    const creator = await db().newUser(unique("inst"));
    const group = await createGroup(db(), creator, { kind: "institution", name: "City Library" });
    expect(group).toMatchObject({ kind: "institution", status: "pending", verified: false, visibility: "public", member_count: 1 });
    const [profile] = await db().admin`select links, schedule, website from public.institution_profiles where group_id = ${group.id}`;
    expect(profile).toEqual({ links: [], schedule: [], website: null });
    expect(await groupOwnerRole(idOf(creator))).toBe(true);
  });

  it("refuses a private institution with 22023 (institutions are always public) and creates nothing", async () => {
    const creator = await db().newUser(unique("inst"));
    await expectDbError(
      createGroup(db(), creator, { kind: "institution", visibility: "private" }),
      "22023",
      /institutions are always public/,
    );
    const [n] = await db().admin`select count(*)::int as n from public.groups where created_by = ${idOf(creator)}`;
    expect(n?.n).toBe(0);
    expect(await groupOwnerRole(idOf(creator))).toBe(false);
  });

  it("allows at most 3 pending requests per user; the 4th is refused with PT409; generic groups are not limited", async () => {
    const creator = await db().newUser(unique("inst"));
    for (let i = 0; i < 3; i++) await createGroup(db(), creator, { kind: "institution" });
    await expectDbError(createGroup(db(), creator, { kind: "institution" }), "PT409", /3 institution requests awaiting review/);
    await createGroup(db(), creator, { kind: "generic" });
    const another = await db().newUser(unique("inst"));
    await createGroup(db(), another, { kind: "institution" });
    const [n] = await db().admin`select count(*)::int as n from public.groups where created_by = ${idOf(creator)} and kind = 'institution'`;
    expect(n?.n).toBe(3);
  });

  it("keeps the limit when 6 requests of one user race on parallel connections", async () => {
    const creator = await db().newUser(unique("racer"));
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => createGroup(db(), creator, { kind: "institution" })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
    for (const r of results.filter((r) => r.status === "rejected")) {
      expect((r as PromiseRejectedResult).reason.code).toBe("PT409");
    }
  });

  it("frees a slot once a request is decided", async () => {
    const creator = await db().newUser(unique("inst"));
    const admin = await db().makeAdmin(await db().newUser(unique("padmin")));
    const first = await createGroup(db(), creator, { kind: "institution" });
    await createGroup(db(), creator, { kind: "institution" });
    await createGroup(db(), creator, { kind: "institution" });
    await db().request(admin, (tx) => tx`select private.review_institution(${first.id}, 'approve')`);
    await createGroup(db(), creator, { kind: "institution" });
  });
});

describe("the group_owner platform role", () => {
  it("is held while the user owns at least one group and dropped when the last one is deleted", async () => {
    const creator = await db().newUser(unique("owner"));
    const a = await createGroup(db(), creator);
    const b = await createGroup(db(), creator);
    await db().request(creator, (tx) => tx`delete from public.groups where id = ${a.id}`);
    expect(await groupOwnerRole(idOf(creator))).toBe(true);
    await db().request(creator, (tx) => tx`delete from public.groups where id = ${b.id}`);
    expect(await groupOwnerRole(idOf(creator))).toBe(false);
  });

  it("cannot be granted or revoked by clients (set_user_role refuses it)", async () => {
    const admin = await db().makeAdmin(await db().newUser(unique("padmin")));
    const user = await db().newUser(unique("user"));
    await expectDbError(
      db().rpc(admin, "set_user_role", { user_id: idOf(user), role: "group_owner", granted: true }),
      "22023",
      /managed by the database/,
    );
  });
});

describe("deleting a group", () => {
  it("is for its owner only: admins, members and strangers delete nothing", async () => {
    const owner = await db().newUser(unique("owner"));
    const admin = await db().newUser(unique("admin"));
    const stranger = await db().newUser(unique("stranger"));
    const group = await createGroup(db(), owner);
    await db().rpc(admin, "join_group", { group_id: group.id });
    await db().rpc(owner, "set_member_role", { group_id: group.id, user_id: idOf(admin), role: "admin" });
    for (const actor of [admin, stranger]) {
      const gone = await db().request(actor, (tx) => tx`delete from public.groups where id = ${group.id} returning id`);
      expect(gone).toHaveLength(0);
    }
    await expectDbError(
      db().request(anon, (tx) => tx`delete from public.groups where id = ${group.id}`),
      "42501",
      /permission denied/,
    );
    const gone = await db().request(owner, (tx) => tx`delete from public.groups where id = ${group.id} returning id`);
    expect(gone).toHaveLength(1);
    const [n] = await db().admin`select count(*)::int as n from public.group_members where group_id = ${group.id}`;
    expect(n?.n).toBe(0);
  });
});
