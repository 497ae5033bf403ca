// A donation target is an amount: greater than 0, at most 10^12, at most 2 decimals, judged by its value
// however the JSON text writes it. The corpus cannot hold these cases (it is parsed into doubles first):
// here the raw request text goes to PostgreSQL exactly as PostgREST passes a body on, so jsonb keeps the
// exact decimal (1e-16383 is a positive number there, where JSON.parse makes it 0).
import { describe, expect, it } from "vitest";
import { contentProblem } from "../../functions/_shared/content-blocks.ts";
import { anon, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";

const db = useTestDatabase();
let donors = 0;
const donation = (target: string) =>
  `{"blocks": [{"type": "donation", "value": {"title": "Roof", "target": ${target}, "currency": "EUR", "link": "https://donate.example.org/roof"}}]}`;
const message =
  "content.blocks[0] (donation): value.target must be a number greater than 0 and at most 1000000000000 with at most 2 decimals";

async function validateRaw(json: string) {
  const rows = await db().request(
    anon,
    (tx) => tx<{ result: { block: number | null; rule: string; message: string } | null }[]>`
    select public.validate_content(content := ${json}::text::jsonb) as result`,
  );
  return rows[0]?.result ?? null;
}

describe("a donation target", () => {
  it.each(["1e-16383", "0.000000000000000000001", "1.005", "5000.1000000000000000001", "1e-7", "999999999999.999"])(
    "%s is refused by the database with donation.target, and a post carrying it is not written",
    async (target) => {
      expect(await validateRaw(donation(target))).toEqual({ block: 0, rule: "donation.target", message });
      const author = await db().newUser(`donor_${++donors}`);
      await expectDbError(
        db().request(
          author,
          (tx) => tx`
          select id from public.create_post(content := ${donation(target)}::text::jsonb, title := null, group_id := null, idempotency_key := null)`,
        ),
        "22023",
        message,
      );
      const [row] = await db().admin<
        { n: number }[]
      >`select count(*)::int as n from public.posts where author_id = ${author.user?.id ?? null}`;
      expect(row?.n).toBe(0);
    },
  );

  it.each(["0.01", "5000", "5000.10", "5.1e3", "50e-2", "1e12", "999999999999.99"])(
    "%s is accepted by the database and by TypeScript alike",
    async (target) => {
      expect(await validateRaw(donation(target))).toBeNull();
      expect(contentProblem(JSON.parse(donation(target)))).toBeNull();
    },
  );

  it("is refused by TypeScript wherever the double it parses to breaks the rule (1e-16383 parses to 0)", () => {
    for (const target of ["1e-16383", "0.000000000000000000001", "1.005", "1e-7", "999999999999.999"]) {
      expect(contentProblem(JSON.parse(donation(target))), target).toEqual({ block: 0, rule: "donation.target", message });
    }
    // The one documented difference: a literal with more digits than a double holds parses to an allowed
    // amount in TypeScript (5000.1); the database, which decides, refuses it (above).
    expect(contentProblem(JSON.parse(donation("5000.1000000000000000001")))).toBeNull();
  });
});
