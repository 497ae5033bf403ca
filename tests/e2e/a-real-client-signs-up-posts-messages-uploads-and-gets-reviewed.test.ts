// End to end, with supabase-js against `supabase start` (real GoTrue, PostgREST, Realtime, Storage and
// the edge runtime): what an app does, in the order a new user does it. Runs in CI
// (.github/workflows/ci.yml); elsewhere it is skipped with one line (tests/e2e/stack.ts).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, client, latestMailTo, type Stack, skipReason, stack } from "./stack.ts";

if (!stack) console.log(skipReason);

const password = "Correct-Horse-9-Battery";
const tag = randomUUID().slice(0, 8);

interface Person {
  email: string;
  username: string;
  id: string;
  supabase: Client;
}

/** Sign-up with username and display name, confirmation through the emailed link, sign-in by username. */
async function signUpAndConfirm(s: Stack, name: string): Promise<Person> {
  const email = `${name}.${tag}@example.com`;
  const username = `${name}_${tag}`;
  const supabase = client(s);
  const { data: signUp, error } = await supabase.auth.signUp({
    email,
    password,
    options: { data: { username, display_name: name } },
  });
  expect(error).toBeNull();
  expect(signUp.session).toBeNull(); // confirmations are on: no session before the email is confirmed
  const mail = await latestMailTo(s, email);
  const body = `${mail.Text ?? ""}\n${mail.HTML ?? ""}`.replaceAll("&amp;", "&");
  const link = body.match(/https?:\/\/[^\s"'<>]+\/auth\/v1\/verify\?[^\s"'<>]+/)?.[0];
  expect(link, body).toBeTruthy();
  const verified = await fetch(link as string, { redirect: "manual" });
  expect([302, 303]).toContain(verified.status);

  // Username login through the auth-login function, then the session in the client.
  const { data: session, error: loginError } = await supabase.functions.invoke<{ access_token: string; refresh_token: string }>(
    "auth-login",
    { body: { identifier: username.toUpperCase(), password } },
  );
  expect(loginError).toBeNull();
  const { data: auth, error: sessionError } = await supabase.auth.setSession({
    access_token: session?.access_token ?? "",
    refresh_token: session?.refresh_token ?? "",
  });
  expect(sessionError).toBeNull();
  await supabase.realtime.setAuth();
  return { email, username, id: auth.user?.id ?? "", supabase };
}

describe.skipIf(!stack)("a real client against supabase start", () => {
  const s = stack as Stack;
  let ada: Person;
  let ben: Person;

  beforeAll(async () => {
    ada = await signUpAndConfirm(s, "ada");
    ben = await signUpAndConfirm(s, "ben");
  }, 120_000);

  afterAll(async () => {
    await ada?.supabase.removeAllChannels();
    await ben?.supabase.removeAllChannels();
  });

  it("reads and writes through RLS: the username is taken, the caller's account is theirs, a post is public", async () => {
    const { data: free } = await ben.supabase.rpc("username_available", { candidate: ada.username });
    expect(free).toBe(false);
    const { data: me } = await ada.supabase.rpc("my_account");
    expect(me).toMatchObject({ id: ada.id, username: ada.username, email: ada.email });
    const { data: post, error } = await ada.supabase
      .from("posts")
      .insert({ content: { blocks: [{ type: "text", value: "hello from e2e" }] } })
      .select("id")
      .single();
    expect(error).toBeNull();
    const { data: seen } = await ben.supabase
      .from("posts")
      .select("id")
      .eq("id", post?.id ?? "");
    expect(seen).toEqual([{ id: post?.id }]);
    // Nobody writes another user's profile: the update matches no row.
    const { data: changed } = await ben.supabase.from("profiles").update({ bio: "hijacked" }).eq("id", ada.id).select("id");
    expect(changed).toEqual([]);
  });

  it("hides a private profile's post from a stranger, and shows it to its author", async () => {
    const { error } = await ada.supabase.from("profiles").update({ is_private: true }).eq("id", ada.id);
    expect(error).toBeNull();
    const { data: post } = await ada.supabase
      .from("posts")
      .insert({ content: { blocks: [{ type: "text", value: "followers only" }] } })
      .select("id")
      .single();
    const { data: stranger } = await ben.supabase
      .from("posts")
      .select("id")
      .eq("id", post?.id ?? "");
    expect(stranger).toEqual([]);
    const { data: author } = await ada.supabase
      .from("posts")
      .select("id")
      .eq("id", post?.id ?? "");
    expect(author).toEqual([{ id: post?.id }]);
    await ada.supabase.from("profiles").update({ is_private: false }).eq("id", ada.id);
  });

  it("delivers a DM over the private Realtime channel dm:<id> to the other participant", async () => {
    const { data: conversation, error } = await ben.supabase.rpc("start_conversation", { other_user: ada.id });
    expect(error).toBeNull();
    const received = new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no message_created broadcast within 15 s")), 15_000);
      ada.supabase
        .channel(`dm:${conversation}`, { config: { private: true } })
        .on("broadcast", { event: "message_created" }, ({ payload }) => {
          clearTimeout(timer);
          resolve(payload as Record<string, unknown>);
        })
        .subscribe(async (status) => {
          if (status === "SUBSCRIBED") {
            const sent = await ben.supabase.from("messages").insert({ conversation_id: conversation as string, body: "hi ada" });
            if (sent.error) reject(new Error(sent.error.message));
          } else if (status === "CHANNEL_ERROR" || status === "TIMED_OUT") {
            reject(new Error(`channel ${status}`));
          }
        });
    });
    expect(await received).toMatchObject({ conversation_id: conversation, sender_id: ben.id, body: "hi ada" });
  });

  it("uploads into the owner's folder and serves it through a signed URL", async () => {
    // A 1×1 PNG.
    const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=", "base64");
    const path = `${ada.id}/${tag}.png`;
    const { error } = await ada.supabase.storage.from("post-media").upload(path, png, { contentType: "image/png" });
    expect(error).toBeNull();
    const { error: foreign } = await ben.supabase.storage
      .from("post-media")
      .upload(`${ada.id}/intruder.png`, png, { contentType: "image/png" });
    expect(foreign).not.toBeNull();
    const { data: signed } = await ada.supabase.storage.from("post-media").createSignedUrl(path, 60);
    const download = await fetch(signed?.signedUrl ?? "");
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(png);
  });

  it("has a platform admin approve an institution through functions.invoke", async () => {
    const service = client(s, s.secretKey);
    const { error: grant } = await service.from("user_roles").insert({ user_id: ada.id, role: "admin" });
    expect(grant).toBeNull();
    const { data: group, error } = await ben.supabase
      .from("groups")
      .insert({ kind: "institution", name: `Harbor Clinic ${tag}`, slug: `harbor-clinic-${tag}` })
      .select("id, status")
      .single();
    expect(error).toBeNull();
    expect(group?.status).toBe("pending");
    const refused = await ben.supabase.functions.invoke("institution-review", { body: { group_id: group?.id, decision: "approve" } });
    expect(refused.error).not.toBeNull();
    const { data: review, error: reviewError } = await ada.supabase.functions.invoke("institution-review", {
      body: { group_id: group?.id, decision: "approve" },
    });
    expect(reviewError).toBeNull();
    expect(review).toMatchObject({ group_id: group?.id, status: "active", verified: true });
  });
});
