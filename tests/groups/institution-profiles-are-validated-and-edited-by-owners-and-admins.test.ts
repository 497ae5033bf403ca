import { beforeAll, describe, expect, it } from "vitest";
import { type Actor, anon, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { createGroup, type GroupRow, idOf, unique } from "./fixtures.ts";

const db = useTestDatabase();

let owner: Actor;
let admin: Actor;
let member: Actor;
let stranger: Actor;
let platformAdmin: Actor;
let institution: GroupRow;

beforeAll(async () => {
  [owner, admin, member, stranger] = await Promise.all([
    db().newUser(unique("owner")),
    db().newUser(unique("admin")),
    db().newUser(unique("member")),
    db().newUser(unique("stranger")),
  ]);
  platformAdmin = await db().makeAdmin(await db().newUser(unique("padmin")));
  institution = await createGroup(db(), owner, { kind: "institution", name: "Community Center" });
  await db().request(platformAdmin, (tx) => tx`select private.review_institution(${institution.id}, 'approve')`);
  await db().rpc(admin, "join_group", { group_id: institution.id });
  await db().rpc(member, "join_group", { group_id: institution.id });
  await db().rpc(owner, "set_member_role", { group_id: institution.id, user_id: idOf(admin), role: "admin" });
});

const full = {
  contact_email: "hello@center.example.org",
  contact_phone: "+1 (555) 010-2030",
  website: "https://center.example.org/about?lang=en",
  address: "1 Main Street, Springfield",
  links: [
    { label: "Donate", url: "https://center.example.org/donate" },
    { label: "Map", url: "https://maps.example.com/?q=center#pin" },
  ],
  schedule: [
    { day: "Mon", time: "09:00", activity: "Open doors" },
    { day: "Sun", time: "23:59", activity: "Night watch" },
  ],
};

function update(actor: Actor, values: Record<string, unknown>) {
  return db().request(
    actor,
    (tx) =>
      tx`update public.institution_profiles set ${tx(values as Record<string, string>, ...Object.keys(values))}
        where group_id = ${institution.id} returning group_id`,
    { method: "PATCH" },
  );
}

async function stored(): Promise<Record<string, unknown>> {
  const [row] = await db().admin`select contact_email, contact_phone, website, address, links, schedule
    from public.institution_profiles where group_id = ${institution.id}`;
  return row as Record<string, unknown>;
}

describe("institution profiles", () => {
  it("are edited by the owner and by admins, and shown to everyone with the verified institution", async () => {
    expect(await update(owner, full)).toHaveLength(1);
    expect(await stored()).toEqual(full);
    expect(await update(admin, { address: "2 Main Street" })).toHaveLength(1);
    for (const actor of [anon, stranger, member]) {
      const rows = await db().request(
        actor,
        (tx) => tx`select g.verified, p.address, p.links from public.groups g
          join public.institution_profiles p on p.group_id = g.id where g.id = ${institution.id}`,
        { method: "GET" },
      );
      expect(rows).toEqual([{ verified: true, address: "2 Main Street", links: full.links }]);
    }
  });

  it("are not edited by members, strangers or platform admins (nothing updated), nor by anon (42501)", async () => {
    const before = await stored();
    for (const actor of [member, stranger, platformAdmin]) {
      expect(await update(actor, { address: "Elsewhere" })).toEqual([]);
    }
    await expectDbError(update(anon, { address: "Elsewhere" }), "42501", /permission denied/);
    expect(await stored()).toEqual(before);
  });

  it("keep group_id and timestamps out of clients' reach", async () => {
    await expectDbError(update(owner, { group_id: "00000000-0000-4000-8000-000000000000" }), "42501", /permission denied/);
  });

  it.each([
    [{ contact_email: "not-an-email" }, "23514", /institution_profiles_contact_email_format/],
    [{ contact_email: "a@b" }, "23514", /institution_profiles_contact_email_format/],
    [{ contact_phone: "call me" }, "23514", /institution_profiles_contact_phone_format/],
    [{ website: "http://center.example.org" }, "23514", /institution_profiles_website_https/],
    [{ website: "https://localhost" }, "23514", /institution_profiles_website_https/],
    [{ website: "https://bad host.org" }, "23514", /institution_profiles_website_https/],
    [{ address: "" }, "23514", /institution_profiles_address_length/],
    [{ links: { label: "x" } }, "22023", /links must be an array/],
    [{ links: ["https://a.example"] }, "22023", /links\[0\] must be an object with exactly label and url/],
    [{ links: [{ label: "A", url: "https://a.example", extra: 1 }] }, "22023", /links\[0\] must be an object/],
    [
      {
        links: [
          { label: "A", url: "https://a.example" },
          { label: "", url: "https://b.example" },
        ],
      },
      "22023",
      /links\[1\]\.label must be 1–100/,
    ],
    [{ links: [{ label: "A", url: "http://a.example" }] }, "22023", /links\[0\]\.url must be an https URL/],
    [{ links: [{ label: "A", url: "javascript:alert(1)" }] }, "22023", /links\[0\]\.url must be an https URL/],
    [{ links: Array.from({ length: 21 }, (_, i) => ({ label: `L${i}`, url: "https://a.example" })) }, "22023", /at most 20/],
    [{ schedule: [{ day: "Monday", time: "09:00", activity: "Open" }] }, "22023", /schedule\[0\]\.day must be one of Mon/],
    [{ schedule: [{ day: "Mon", time: "24:00", activity: "Open" }] }, "22023", /schedule\[0\]\.time must be HH:MM/],
    [{ schedule: [{ day: "Mon", time: "9:00", activity: "Open" }] }, "22023", /schedule\[0\]\.time must be HH:MM/],
    [{ schedule: [{ day: "Mon", time: "09:00", activity: "" }] }, "22023", /schedule\[0\]\.activity must be 1–200/],
    [{ schedule: [{ day: "Mon", time: "09:00" }] }, "22023", /schedule\[0\] must be an object with exactly day, time and activity/],
    [{ schedule: "Mon 09:00" }, "22023", /schedule must be an array/],
  ])("refuse %j with %s and change nothing", async (values, code, message) => {
    const before = await stored();
    await expectDbError(update(owner, values), code, message);
    expect(await stored()).toEqual(before);
  });
});
