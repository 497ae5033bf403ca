// Issue 14, finding 5: names must not impersonate. One rule (private.is_plain_text in
// sql/00_foundation.sql; names.forbidden_pattern in content-rules.json for content titles) refuses C0/C1
// control characters, bidi embeddings/overrides/isolates/marks and invisible characters in every stored
// name or title; zero-width joiners (emoji, Persian, Indic) and confusables stay allowed.
import { describe, expect, it } from "vitest";
import { contentProblem, isPlainName } from "../../functions/_shared/content-blocks.ts";
import { type Actor, anon, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { createPost, eventBlock, inDays } from "../posts/fixtures.ts";

const db = useTestDatabase();

const forbidden: [string, string][] = [
  ["BEL", "\u0007"],
  ["ESC", "\u001b"],
  ["newline", "\n"],
  ["tab", "\t"],
  ["DEL", "\u007f"],
  ["C1 NEL", "\u0085"],
  ["LRE", "\u202a"],
  ["RLO", "\u202e"],
  ["LRI", "\u2066"],
  ["PDI", "\u2069"],
  ["RLM", "\u200f"],
  ["ALM", "\u061c"],
  ["line separator", "\u2028"],
  ["zero-width space", "\u200b"],
  ["word joiner", "\u2060"],
  ["BOM", "\ufeff"],
];
const allowed = ["Zoë Ångström", "Ивaн (Cyrillic and Latin mixed)", "👨‍👩‍👧 family", "می‌خواهم", "李小龍", "O'Brien-Smith"];

let n = 0;
const setDisplayName = (actor: Actor, name: string) =>
  db().request(actor, (tx) => tx`update public.profiles set display_name = ${name} where id = ${actor.user?.id ?? ""} returning id`, {
    method: "PATCH",
  });

describe("the name rule", () => {
  it("is the same in the database and in TypeScript, for every BMP code point", async () => {
    const rows = await db().admin<{ n: number; plain: boolean }[]>`
      select g.n, private.is_plain_text(chr(g.n)) as plain
      from generate_series(1, 65535) as g (n) where g.n not between 55296 and 57343`;
    const differ = rows.filter((r) => r.plain !== isPlainName(String.fromCodePoint(r.n))).map((r) => r.n.toString(16));
    expect(differ).toEqual([]);
    // C0 less NUL (31), DEL and C1 (33), U+061C, U+200B, U+200E–U+200F (2), U+2028–U+202E (7), U+2060, U+2066–U+2069 (4), U+FEFF.
    expect(rows.filter((r) => !r.plain)).toHaveLength(31 + 33 + 1 + 1 + 2 + 7 + 1 + 4 + 1);
  });

  it("refuses each forbidden character in a display name (23514 profiles_display_name_plain) and at sign-up (22023)", async () => {
    const user = await db().newUser("names_user");
    for (const [label, ch] of forbidden) {
      await expectDbError(setDisplayName(user, `Ad${ch}min`), "23514", /profiles_display_name_plain|profiles_display_name_length/).catch(
        (e: unknown) => {
          throw new Error(`${label}: ${String(e)}`);
        },
      );
    }
    await expectDbError(setDisplayName(user, "evil\u202egpj.exe"), "23514", /profiles_display_name_plain/);
    await expectDbError(
      db().signUp({ username: "names_rlo", displayName: "Admin\u202e" }),
      "22023",
      /display name must not contain control, bidi or invisible characters/,
    );
    for (const name of allowed) expect(await setDisplayName(user, name)).toHaveLength(1);
  });

  it("refuses them in group names, descriptions and join questions, institution fields and post titles", async () => {
    n++;
    const owner = await db().newUser("names_owner");
    const insert = (name: string, description = "") =>
      db().request(
        owner,
        (tx) => tx`insert into public.groups (kind, slug, name, description, visibility)
          values ('generic', ${`names-${++n}`}, ${name}, ${description}, 'public') returning id`,
      );
    await expectDbError(insert("Official\u202e"), "23514", /groups_name_plain/);
    await expectDbError(insert("Support\u2066Team"), "23514", /groups_name_plain/);
    await expectDbError(insert("Fine", "About \u202eus"), "23514", /groups_description_plain/);
    const [group] = await insert("Fine", "Line one\nLine two\twith a tab");
    await expectDbError(
      db().request(owner, (tx) => tx`update public.groups set join_question = ${"Why\u200b?"} where id = ${group?.id ?? ""}`),
      "23514",
      /groups_join_question_plain/,
    );
    await expectDbError(createPost(db(), owner, { group_id: group?.id, title: "Notice\u202e" }), "23514", /posts_title_plain/);
    await expectDbError(createPost(db(), owner, { title: "Hi\u0007" }), "23514", /posts_title_plain/);
    expect((await createPost(db(), owner, { group_id: group?.id, title: "Zoë's 👨‍👩‍👧 notice" })).title).toBe("Zoë's 👨‍👩‍👧 notice");

    const padmin = await db().makeAdmin(await db().newUser("names_padmin"));
    const [inst] = await db().request(
      owner,
      (tx) => tx<{ id: string }[]>`insert into public.groups (kind, slug, name, visibility)
        values ('institution', ${`names-inst-${n}`}, 'Center', 'public') returning id`,
    );
    await db().request(padmin, (tx) => tx`select private.review_institution(${inst?.id ?? ""}, 'approve')`);
    const updateProfile = (values: Record<string, unknown>) =>
      db().request(
        owner,
        (tx) =>
          tx`update public.institution_profiles set ${tx(values as Record<string, string>, ...Object.keys(values))}
            where group_id = ${inst?.id ?? ""} returning group_id`,
      );
    await expectDbError(updateProfile({ address: "1 Main\u202e St" }), "23514", /institution_profiles_address_plain/);
    const updateJson = (column: "links" | "schedule", value: unknown) =>
      db().request(
        owner,
        (tx) =>
          tx`update public.institution_profiles set ${tx(column)} = ${JSON.stringify(value)}::text::jsonb
            where group_id = ${inst?.id ?? ""} returning group_id`,
      );
    await expectDbError(
      updateJson("links", [{ label: "Donate\u202e", url: "https://a.example.org" }]),
      "22023",
      /links\[0\]\.label must not contain control, bidi or invisible characters/,
    );
    await expectDbError(
      updateJson("schedule", [{ day: "Mon", time: "09:00", activity: "Open\u2067" }]),
      "22023",
      /schedule\[0\]\.activity must not contain control, bidi or invisible characters/,
    );
    expect(await updateProfile({ address: "1 Main Street\nSpringfield" })).toHaveLength(1);
  });

  it("refuses them in titles inside content, in both validators alike", async () => {
    const start = inDays(2);
    const cases: [unknown, string][] = [
      [{ blocks: [eventBlock("Party\u202e", start)] }, "event.title"],
      [{ blocks: [{ type: "event", value: { ...eventBlock("Party", start).value, location: "Hall\u0007" } }] }, "event.location"],
      [{ blocks: [{ type: "schedule", value: [{ day: "Mon", time: "10:00", activity: "Choir\u200b" }] }] }, "schedule.activity"],
      [
        { blocks: [{ type: "donation", value: { title: "Fund\u2066", target: 5, currency: "EUR", link: "https://a.example.org" } }] },
        "donation.title",
      ],
    ];
    for (const [content, rule] of cases) {
      const fromDb = await db().request(
        anon,
        (tx) => tx<{ p: unknown }[]>`select public.validate_content(${JSON.stringify(content)}::text::jsonb) as p`,
      );
      expect(fromDb[0]?.p).toMatchObject({ block: 0, rule });
      expect(contentProblem(content)).toEqual(fromDb[0]?.p);
    }
    expect(contentProblem({ blocks: [eventBlock("👨‍👩‍👧 Family day", start)] })).toBeNull();
  });
});
