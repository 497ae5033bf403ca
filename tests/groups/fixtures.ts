// Groups fixtures: a cast of actors around one group, built only through the API (as clients do),
// and a snapshot of everything a membership action may change, to prove refusals change nothing.
import { randomBytes } from "node:crypto";
import { type Actor, type DriverRow, idOf, type TestDatabase } from "../helpers/db.ts";

export { idOf };

export type GroupRow = DriverRow<"groups", "created_at" | "updated_at">;

export interface NewGroup {
  kind?: "generic" | "institution";
  slug?: string;
  name?: string;
  visibility?: "public" | "private";
  join_question?: string | null;
}

let counter = 0;

/** A unique suffix for usernames and slugs within one test database. */
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}_${counter}_${randomBytes(2).toString("hex")}`;
}

export function slugFor(prefix: string): string {
  return unique(prefix).replaceAll("_", "-").toLowerCase();
}

/** POST /groups with Prefer: return=representation, as supabase-js insert().select() does. */
export async function createGroup(db: TestDatabase, actor: Actor, group: NewGroup = {}): Promise<GroupRow> {
  const row = {
    kind: group.kind ?? "generic",
    slug: group.slug ?? slugFor("g"),
    name: group.name ?? "A Group",
    visibility: group.visibility ?? "public",
    join_question: group.join_question ?? null,
  };
  const rows = await db.request(actor, (tx) => tx<GroupRow[]>`insert into public.groups ${tx(row)} returning *`, {
    method: "POST",
    path: "/groups",
  });
  return rows[0] as GroupRow;
}

export interface Cast {
  group: GroupRow;
  owner: Actor;
  admin: Actor;
  member: Actor;
  requester: Actor;
  invitee: Actor;
  stranger: Actor;
  platformAdmin: Actor;
  unconfirmed: Actor;
}

/**
 * A group with an owner, an admin, a plain member, a pending requester (private groups only), a
 * fresh invitee, a stranger, a platform admin and an unconfirmed user, all arranged through the RPCs.
 */
export async function castAround(db: TestDatabase, group: NewGroup = {}): Promise<Cast> {
  const [owner, admin, member, requester, invitee, stranger, platformUser, unconfirmed] = await Promise.all([
    db.newUser(unique("owner")),
    db.newUser(unique("admin")),
    db.newUser(unique("member")),
    db.newUser(unique("requester")),
    db.newUser(unique("invitee")),
    db.newUser(unique("stranger")),
    db.newUser(unique("padmin")),
    db.newUser(unique("unconfirmed"), { confirm: false }),
  ]);
  const platformAdmin = await db.makeAdmin(platformUser);
  const created = await createGroup(db, owner, { join_question: null, ...group });
  const g = created.id;

  for (const actor of [admin, member]) {
    await db.rpc(owner, "invite_to_group", { group_id: g, user_id: idOf(actor) });
    await db.rpc(actor, "respond_to_invite", { group_id: g, accept: true });
  }
  await db.rpc(owner, "set_member_role", { group_id: g, user_id: idOf(admin), role: "admin" });
  if (created.visibility === "private") {
    await db.rpc(requester, "join_group", { group_id: g, answer: created.join_question ? "Because I care." : null });
  }
  await db.rpc(owner, "invite_to_group", { group_id: g, user_id: idOf(invitee) });
  const [fresh] = await db.admin<GroupRow[]>`select * from public.groups where id = ${g}`;
  return { group: fresh as GroupRow, owner, admin, member, requester, invitee, stranger, platformAdmin, unconfirmed };
}

/** Everything a group action may change: the group, its memberships, follows, roles, notifications. */
export async function snapshot(db: TestDatabase, groupId: string): Promise<unknown> {
  const [group] = await db.admin`select * from public.groups where id = ${groupId}`;
  const members = await db.admin`
    select user_id, role, status, invited_by, invite_expires_at, join_answer, joined_at, updated_at
    from public.group_members where group_id = ${groupId} order by user_id`;
  const follows = await db.admin`select user_id from public.group_follows where group_id = ${groupId} order by user_id`;
  const roles = await db.admin`
    select user_id, role from public.user_roles where role = 'group_owner' order by user_id`;
  const notifications = await db.admin`
    select recipient_id, kind, actor_count from public.notifications where subject_id = ${groupId}
    order by recipient_id, kind`;
  const profile = await db.admin`select * from public.institution_profiles where group_id = ${groupId}`;
  return { group, members, follows, roles, notifications, profile };
}

/** The membership row of one user, as the superuser sees it (or undefined). */
export async function membership(
  db: TestDatabase,
  groupId: string,
  actor: Actor,
): Promise<{ role: string; status: string; invite_expires_at: Date | null; join_answer: string | null } | undefined> {
  const [row] = await db.admin<{ role: string; status: string; invite_expires_at: Date | null; join_answer: string | null }[]>`
    select role, status, invite_expires_at, join_answer from public.group_members
    where group_id = ${groupId} and user_id = ${idOf(actor)}`;
  return row;
}

/** The member_count and the true number of active members. */
export async function counts(
  db: TestDatabase,
  groupId: string,
): Promise<{ stored: number; actual: number; followers: number; actualFollowers: number }> {
  const [row] = await db.admin<{ stored: number; actual: number; followers: number; actualFollowers: number }[]>`
    select g.member_count as stored,
      (select count(*)::int from public.group_members m where m.group_id = g.id and m.status = 'active') as actual,
      g.follower_count as followers,
      (select count(*)::int from public.group_follows f where f.group_id = g.id) as "actualFollowers"
    from public.groups g where g.id = ${groupId}`;
  if (!row) throw new Error(`no group ${groupId}`);
  return row;
}
