// A hosted project signs access tokens either with asymmetric JWT signing keys (ES256 by default for new
// projects; public keys at <SUPABASE_URL>/auth/v1/.well-known/jwks.json) or with the legacy HS256 secret,
// which hosted functions are not given (https://supabase.com/docs/guides/functions/secrets). Both are
// played here by a local Supabase Auth stand-in that serves the JWKS and GET /auth/v1/user (200 for a
// token the project's HS256 secret signed and that has not expired, 401 otherwise, as GoTrue answers),
// and institution-review runs on real Deno with exactly the variables the platform provides: no JWT
// secret, SUPABASE_PUBLISHABLE_KEYS as JSON, and SUPABASE_JWKS as the platform fills it (a legacy
// project's JWKS has no keys: GoTrue never publishes a symmetric key).
import { createServer, type Server } from "node:http";
import { exportJWK, generateKeyPair, type JWK, jwtVerify, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGroup, snapshot, unique } from "../groups/fixtures.ts";
import { type Actor, useTestDatabase } from "../helpers/db.ts";
import { freePort, postJson, type ServedFunction, serveFunction } from "../helpers/edge-functions.ts";

const db = useTestDatabase();
const legacySecret = "legacy-project-jwt-secret-0123456789abcdefghij";
const publishable = "sb_publishable_test_0123456789";

interface AuthStandIn {
  url: string;
  jwksFetches: number;
  userChecks: { apikey: string | undefined; authorization: string | undefined }[];
  keys: JWK[];
  close(): Promise<void>;
}

async function startAuth(keys: JWK[]): Promise<AuthStandIn> {
  const port = await freePort();
  const state: AuthStandIn = {
    url: `http://127.0.0.1:${port}`,
    jwksFetches: 0,
    userChecks: [],
    keys,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer(async (req, res) => {
    if (req.url === "/auth/v1/.well-known/jwks.json") {
      state.jwksFetches++;
      res.setHeader("content-type", "application/json");
      res.setHeader("cache-control", "public, max-age=600");
      return res.end(JSON.stringify({ keys: state.keys }));
    }
    if (req.url === "/auth/v1/user") {
      state.userChecks.push({ apikey: req.headers.apikey as string | undefined, authorization: req.headers.authorization });
      const token = req.headers.authorization?.replace(/^Bearer /, "") ?? "";
      try {
        const { payload } = await jwtVerify(token, new TextEncoder().encode(legacySecret), { algorithms: ["HS256"] });
        res.setHeader("content-type", "application/json");
        return res.end(JSON.stringify({ id: payload.sub, aud: payload.aud, role: payload.role }));
      } catch {
        res.statusCode = 401;
        return res.end(JSON.stringify({ code: 401, error_code: "bad_jwt", msg: "invalid JWT" }));
      }
    }
    res.statusCode = 404;
    res.end("{}");
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return state;
}

type Signer = { key: CryptoKey; kid: string; alg: "ES256" } | { secret: string; alg: "HS256" };

function sign(claims: Record<string, unknown>, signer: Signer): Promise<string> {
  const jwt = new SignJWT(claims);
  if (signer.alg === "HS256") return jwt.setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(new TextEncoder().encode(signer.secret));
  return jwt.setProtectedHeader({ alg: "ES256", kid: signer.kid, typ: "JWT" }).sign(signer.key);
}

async function es256Key(kid: string): Promise<{ signer: Signer & { alg: "ES256" }; jwk: JWK }> {
  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig", key_ops: ["verify"] };
  return { signer: { key: privateKey as CryptoKey, kid, alg: "ES256" }, jwk };
}

const errorShape = { error: { code: "unauthorized", message: "the access token is invalid or expired" } };

async function pendingInstitution(creatorName: string): Promise<string> {
  const creator = await db().newUser(unique(creatorName));
  return (await createGroup(db(), creator, { kind: "institution", name: `Pending ${creatorName}` })).id;
}

let admin: Actor;
beforeAll(async () => {
  admin = await db().makeAdmin(await db().newUser(unique("padmin")));
});

/** The function as a hosted project runs it: only the platform's variables. */
function hostedEnv(auth: AuthStandIn, jwks: string): Record<string, string | undefined> {
  return {
    SUPABASE_URL: auth.url,
    SUPABASE_ANON_KEY: undefined,
    SUPABASE_JWT_SECRET: undefined,
    SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: publishable }),
    SUPABASE_SECRET_KEYS: JSON.stringify({ default: "sb_secret_test_0123456789" }),
    SUPABASE_JWKS: jwks,
  };
}

describe("a project on asymmetric signing keys (ES256, the default for new projects)", () => {
  let auth: AuthStandIn;
  let fn: ServedFunction;
  let current: Awaited<ReturnType<typeof es256Key>>;
  let standby: Awaited<ReturnType<typeof es256Key>>;

  beforeAll(async () => {
    current = await es256Key("key-2026-a");
    // Supabase publishes a standby key in the JWKS before it starts signing with it (docs auth/signing-keys).
    standby = await es256Key("key-2026-b");
    auth = await startAuth([current.jwk, standby.jwk]);
    // SUPABASE_JWKS as the platform fills it at deploy time, before the rotation below.
    fn = await serveFunction("institution-review", { databaseUrl: db().url, env: hostedEnv(auth, JSON.stringify({ keys: [] })) });
  });
  afterAll(async () => {
    await fn?.stop();
    await auth?.close();
  });

  it("accepts a valid ES256 token checked against the project's JWKS endpoint, and decides", async () => {
    const group = await pendingInstitution("es_ok");
    const token = await sign(admin.claims, current.signer);
    const answer = await postJson(fn.url, { group_id: group, decision: "approve" }, token);
    expect(answer).toMatchObject({ status: 200, body: { group_id: group, status: "active", verified: true } });
    expect(auth.jwksFetches).toBeGreaterThanOrEqual(1);
    expect(auth.userChecks).toEqual([]); // verified locally: Auth was not asked
  });

  it("accepts a token of the standby key once it signs (a rotation), from the same cached key set", async () => {
    const group = await pendingInstitution("es_rotated");
    const answer = await postJson(
      fn.url,
      { group_id: group, decision: "reject", reason: "not an institution" },
      await sign(admin.claims, standby.signer),
    );
    expect(answer).toMatchObject({ status: 200, body: { status: "rejected" } });
  });

  it("refuses with 401 in the JSON error shape, changing nothing: a wrong key, an unknown kid, an expired token, another audience, an alg it does not accept", async () => {
    const group = await pendingInstitution("es_refused");
    const before = await snapshot(db(), group);
    const impostor = await es256Key(current.signer.kid); // same kid, another key
    const stranger = await es256Key("never-published");
    const now = Math.floor(Date.now() / 1000);
    const tokens = [
      await sign(admin.claims, impostor.signer),
      await sign(admin.claims, stranger.signer),
      await sign({ ...admin.claims, exp: now - 60, iat: now - 3660 }, current.signer),
      await sign({ ...admin.claims, aud: "another-audience" }, current.signer),
      await sign({ ...admin.claims, role: "anon" }, current.signer),
      // An HS256 token on this project: only Auth could vouch for it, and Auth does not know this secret.
      await sign(admin.claims, { alg: "HS256", secret: "guessed-secret-guessed-secret-guessed" }),
      // alg "none"
      `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${Buffer.from(JSON.stringify(admin.claims)).toString("base64url")}.`,
    ];
    for (const token of tokens) {
      const answer = await postJson(fn.url, { group_id: group, decision: "approve" }, token);
      expect(answer).toEqual({ status: 401, body: errorShape });
    }
    expect(await snapshot(db(), group)).toEqual(before);
  });
});

describe("a project still on the legacy HS256 secret (no JWT secret among the functions' variables)", () => {
  let auth: AuthStandIn;
  let fn: ServedFunction;

  beforeAll(async () => {
    auth = await startAuth([]);
    fn = await serveFunction("institution-review", { databaseUrl: db().url, env: hostedEnv(auth, JSON.stringify({ keys: [] })) });
  });
  afterAll(async () => {
    await fn?.stop();
    await auth?.close();
  });

  it("accepts a valid HS256 token by asking Supabase Auth with the publishable key from SUPABASE_PUBLISHABLE_KEYS, and decides", async () => {
    const group = await pendingInstitution("hs_ok");
    const token = await sign(admin.claims, { alg: "HS256", secret: legacySecret });
    const answer = await postJson(fn.url, { group_id: group, decision: "approve" }, token);
    expect(answer).toMatchObject({ status: 200, body: { group_id: group, status: "active", verified: true } });
    expect(auth.userChecks.at(-1)).toEqual({ apikey: publishable, authorization: `Bearer ${token}` });
  });

  it("refuses with 401 what Auth refuses (another secret, expired) and what Auth accepts for another audience", async () => {
    const group = await pendingInstitution("hs_refused");
    const before = await snapshot(db(), group);
    const now = Math.floor(Date.now() / 1000);
    for (const token of [
      await sign(admin.claims, { alg: "HS256", secret: "another-projects-secret-0123456789abcdef" }),
      await sign({ ...admin.claims, exp: now - 60, iat: now - 3660 }, { alg: "HS256", secret: legacySecret }),
      await sign({ ...admin.claims, aud: "another-audience" }, { alg: "HS256", secret: legacySecret }),
    ]) {
      const answer = await postJson(fn.url, { group_id: group, decision: "approve" }, token);
      expect(answer).toEqual({ status: 401, body: errorShape });
    }
    expect(await snapshot(db(), group)).toEqual(before);
  });

  it("verifies HS256 locally, without asking Auth, when the operator gave the functions AUTH_JWT_SECRET", async () => {
    const local = await serveFunction("institution-review", {
      databaseUrl: db().url,
      env: { ...hostedEnv(auth, JSON.stringify({ keys: [] })), AUTH_JWT_SECRET: legacySecret },
    });
    try {
      const checks = auth.userChecks.length;
      const group = await pendingInstitution("hs_local");
      const ok = await postJson(
        local.url,
        { group_id: group, decision: "approve" },
        await sign(admin.claims, { alg: "HS256", secret: legacySecret }),
      );
      expect(ok).toMatchObject({ status: 200, body: { status: "active" } });
      const wrong = await postJson(
        local.url,
        { group_id: group, decision: "approve" },
        await sign(admin.claims, { alg: "HS256", secret: "x".repeat(40) }),
      );
      expect(wrong).toEqual({ status: 401, body: errorShape });
      expect(auth.userChecks.length).toBe(checks);
    } finally {
      await local.stop();
    }
  });
});
