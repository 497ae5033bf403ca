// The harness's request() is PostgREST's request: GET and calls to stable functions run READ ONLY,
// each API role's own settings apply (the platform sets anon's statement_timeout to 3 s and
// authenticated's to 8 s: supabase/postgres init-scripts/00000000000000-initial-schema.sql, mirrored by
// platform/bootstrap.sql), and request.method, request.path and request.headers look like a
// supabase-js call. Tests that pass here would pass behind the real PostgREST.
import { describe, expect, it } from "vitest";
import { anon, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";

const db = useTestDatabase();

describe("a test request", () => {
  it("runs GET READ ONLY: a write inside it fails as behind PostgREST", async () => {
    const ann = await db().newUser("ro_ann");
    await expectDbError(
      db().request(ann, (tx) => tx`insert into public.bookmarks (post_id) values (gen_random_uuid())`, {
        method: "GET",
        path: "/bookmarks",
      }),
      "25006",
      /read-only transaction/,
    );
    const [row] = await db().request(ann, (tx) => tx<{ ro: string }[]>`select current_setting('transaction_read_only') as ro`, {
      method: "GET",
    });
    expect(row?.ro).toBe("on");
  });

  it("calls stable functions READ ONLY and volatile ones read-write", async () => {
    const ann = await db().newUser("ro_bob");
    // my_account is stable: it works READ ONLY; claim_username is volatile and writes.
    expect(await db().rpc(ann, "my_account")).toMatchObject({ username: "ro_bob" });
    await expectDbError(db().rpc(ann, "claim_username", { username: "ro_bob_two" }), "PT409", /cannot change/);
  });

  it("applies each role's own settings: anon 3 s, authenticated 8 s, as the platform sets them", async () => {
    const timeout = async (actor: typeof anon) =>
      (await db().request(actor, (tx) => tx<{ t: string }[]>`select current_setting('statement_timeout') as t`))[0]?.t;
    expect(await timeout(anon)).toBe("3s");
    expect(await timeout(await db().newUser("ro_cid"))).toBe("8s");
    expect(await timeout(serviceRole)).not.toBe("3s");
  });

  it("sets method, path and lower-cased headers with the bearer token and apikey, as supabase-js sends them", async () => {
    const [row] = await db().request(
      anon,
      (tx) => tx<{ method: string; path: string; headers: Record<string, string> }[]>`
        select current_setting('request.method') as method, current_setting('request.path') as path,
               current_setting('request.headers')::jsonb as headers`,
      { method: "GET", path: "/profiles" },
    );
    expect(row).toMatchObject({ method: "GET", path: "/profiles" });
    expect(row?.headers.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(Object.keys(row?.headers ?? {}).every((k) => k === k.toLowerCase())).toBe(true);
    expect(row?.headers.apikey).toBeTruthy();
  });
});
