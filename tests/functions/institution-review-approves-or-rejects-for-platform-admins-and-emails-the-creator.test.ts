import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGroup, type GroupRow, idOf, unique } from "../groups/fixtures.ts";
import { type Actor, useTestDatabase } from "../helpers/db.ts";
import { postJson, type ServedFunction, serveFunction, signAccessToken } from "../helpers/edge-functions.ts";
import { type SmtpSink, startSmtpSink } from "../helpers/smtp-sink.ts";

const db = useTestDatabase();

let sink: SmtpSink;
let fn: ServedFunction;
let platformAdmin: Actor;
let adminToken: string;

beforeAll(async () => {
  sink = await startSmtpSink();
  fn = await serveFunction("institution-review", {
    databaseUrl: db().url,
    env: { SMTP_HOST: sink.host, SMTP_PORT: String(sink.port), SMTP_FROM: "Threads <no-reply@threads.example>" },
  });
  platformAdmin = await db().makeAdmin(await db().newUser(unique("padmin")));
  adminToken = await signAccessToken(platformAdmin.claims);
});

afterAll(async () => {
  await fn?.stop();
  await sink?.close();
});

async function request(): Promise<{ creator: Actor; institution: GroupRow }> {
  const creator = await db().newUser(unique("creator"), { displayName: "Dr. Ada" });
  const institution = await createGroup(db(), creator, { kind: "institution", name: "Harbor Clinic" });
  return { creator, institution };
}

describe("institution-review on Deno", () => {
  it("approves: the institution becomes active and verified, is audited, the creator is notified and emailed", async () => {
    const { creator, institution } = await request();
    const before = sink.messages.length;
    const answer = await postJson(fn.url, { group_id: institution.id, decision: "approve" }, adminToken);
    expect(answer).toMatchObject({
      status: 200,
      body: { group_id: institution.id, status: "active", verified: true, rejection_reason: null, email: "sent" },
    });

    const [group] = await db().admin`select status, verified from public.groups where id = ${institution.id}`;
    expect(group).toEqual({ status: "active", verified: true });
    const audit = await db().admin`select id, reviewer_id, decision from private.institution_reviews where group_id = ${institution.id}`;
    expect(audit).toEqual([{ id: answer.body.review_id, reviewer_id: idOf(platformAdmin), decision: "approve" }]);
    const notes = await db().request(
      creator,
      (tx) => tx`select kind, actor_id from public.notifications where subject_id = ${institution.id}`,
    );
    expect(notes).toEqual([{ kind: "institution_approved", actor_id: idOf(platformAdmin) }]);

    const [mail] = (await sink.waitFor(before + 1)).slice(before);
    expect(mail?.from).toBe("no-reply@threads.example");
    expect(mail?.to).toEqual([creator.user?.email]);
    expect(mail?.headers.from).toBe("Threads <no-reply@threads.example>");
    expect(mail?.subject).toBe("Your institution “Harbor Clinic” is verified");
    expect(mail?.text).toContain("Hello Dr. Ada,");
    expect(mail?.text).toContain("carries the verified badge");
  });

  it("rejects with the reason, which reaches the creator's notification and email", async () => {
    const { creator, institution } = await request();
    const before = sink.messages.length;
    const answer = await postJson(
      fn.url,
      { group_id: institution.id, decision: "reject", reason: "We could not verify the address." },
      adminToken,
    );
    expect(answer).toMatchObject({
      status: 200,
      body: { status: "rejected", verified: false, rejection_reason: "We could not verify the address.", email: "sent" },
    });
    const notes = await db().request(creator, (tx) => tx`select kind, data->>'reason' as reason from public.notifications`);
    expect(notes).toEqual([{ kind: "institution_rejected", reason: "We could not verify the address." }]);
    const [mail] = (await sink.waitFor(before + 1)).slice(before);
    expect(mail?.to).toEqual([creator.user?.email]);
    expect(mail?.subject).toBe("Your institution request “Harbor Clinic” was not approved");
    expect(mail?.text).toContain("Reason: We could not verify the address.");
  });

  it("keeps the name inside the subject: long non-ASCII subjects survive and header-like text stays text", async () => {
    const creator = await db().newUser(unique("creator"));
    const name = "Café ☕ Zürich — Bcc: victim@evil.example — a long tail that forces the subject to fold";
    const institution = await createGroup(db(), creator, { kind: "institution", name });
    const before = sink.messages.length;
    const answer = await postJson(fn.url, { group_id: institution.id, decision: "approve" }, adminToken);
    expect(answer.body.email).toBe("sent");
    const [mail] = (await sink.waitFor(before + 1)).slice(before);
    expect(mail?.to).toEqual([creator.user?.email]);
    expect(mail?.headers.bcc).toBeUndefined();
    expect(mail?.subject).toBe(`Your institution “${name}” is verified`);
  });

  it("decides even when the mail relay is down, and says the email failed", async () => {
    const down = await serveFunction("institution-review", {
      databaseUrl: db().url,
      env: { SMTP_HOST: "127.0.0.1", SMTP_PORT: "1", SMTP_FROM: "no-reply@threads.example" },
    });
    try {
      const { institution } = await request();
      const answer = await postJson(down.url, { group_id: institution.id, decision: "approve" }, adminToken);
      expect(answer).toMatchObject({ status: 200, body: { status: "active", verified: true, email: "failed" } });
      const [group] = await db().admin`select status from public.groups where id = ${institution.id}`;
      expect(group?.status).toBe("active");
      expect(down.output()).toContain("emailing the creator failed");
    } finally {
      await down.stop();
    }
  });

  it("skips the email when SMTP is not configured", async () => {
    const quiet = await serveFunction("institution-review", { databaseUrl: db().url });
    try {
      const { institution } = await request();
      const before = sink.messages.length;
      const answer = await postJson(quiet.url, { group_id: institution.id, decision: "approve" }, adminToken);
      expect(answer).toMatchObject({ status: 200, body: { status: "active", email: "skipped" } });
      expect(sink.messages.length).toBe(before);
    } finally {
      await quiet.stop();
    }
  });
});
