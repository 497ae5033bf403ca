// Every throttled write, both ways: up to the burst it succeeds; the next one is refused with HTTP 429
// (SQLSTATE PGRST) naming the action, and nothing of it is written — through RPCs and direct inserts alike.
import { beforeAll, describe, expect, it } from "vitest";
import { createGroup, slugFor } from "../groups/fixtures.ts";
import { type Actor, useTestDatabase } from "../helpers/db.ts";
import { useThrottles } from "../helpers/throttles.ts";
import { send, startConversation } from "../messaging/dm.ts";
import { follow } from "../people/graph.ts";
import { comment, createPost, react } from "../posts/fixtures.ts";
import { expectThrottled, setLimit } from "./throttle.ts";

const db = useTestDatabase();
useThrottles(db);
let n = 0;
const newUser = (prefix: string) => db().newUser(`${prefix}_${++n}`);
let platformAdmin: Actor;

beforeAll(async () => {
  platformAdmin = await db().makeAdmin(await newUser("padmin"));
});

const count = async (table: string) => Number((await db().admin.unsafe(`select count(*)::int as n from public.${table}`))[0]?.n ?? 0);

/** Two writes pass, the third is refused with 429 for `action`, and `table` did not grow. */
async function twoThenRefused(action: string, table: string, write: (i: number) => Promise<unknown>) {
  await setLimit(db(), action, { burst: 2, sustained: 1, period: "1 day" });
  await write(0);
  await write(1);
  const before = await count(table);
  const refusal = await expectThrottled(write(2));
  expect(await count(table)).toBe(before);
  expect(refusal.status).toBe(429);
  expect(refusal.body.code).toBe("PT429");
  expect(refusal.details.action).toBe(action);
  expect(refusal.body.message).toMatch(new RegExp(`^too many ${action.replaceAll("_", " ")}s: try again in \\d+ seconds$`));
  expect(Number(refusal.headers["Retry-After"])).toBe(refusal.details.retry_after);
  return refusal;
}

describe("throttled writes", () => {
  it("posts: create_post and a direct insert count alike", async () => {
    const author = await newUser("poster");
    await twoThenRefused("post", "posts", (i) =>
      i === 1
        ? db().request(
            author,
            (tx) => tx`insert into public.posts (content) values (${tx.json({ blocks: [{ type: "text", value: "x" }] })})`,
          )
        : createPost(db(), author),
    );
    await expectThrottled(createPost(db(), author));
  });

  it("comments", async () => {
    const host = await newUser("host");
    const post = await createPost(db(), host);
    const commenter = await newUser("commenter");
    await twoThenRefused("comment", "comments", (i) => comment(db(), commenter, post.id, `comment ${i}`));
  });

  it("reactions: new ones count, changing the kind of one does not", async () => {
    const posts = [await createPost(db(), platformAdmin), await createPost(db(), platformAdmin), await createPost(db(), platformAdmin)];
    const fan = await newUser("fan");
    await twoThenRefused("reaction", "reactions", (i) => react(db(), fan, "like", { post_id: posts[i]?.id }));
    // The update path of the upsert is free: still allowed past the limit.
    await expect(react(db(), fan, "love", { post_id: posts[0]?.id })).resolves.toMatchObject({ kind: "love" });
  });

  it("follows of users and follow requests", async () => {
    const targets = [await newUser("t"), await newUser("t"), await newUser("t")];
    const follower = await newUser("follower");
    await twoThenRefused("follow", "follows", (i) => follow(db(), follower, targets[i] as Actor));
  });

  it("follows of groups share the follow limit", async () => {
    const groups = [await createGroup(db(), platformAdmin), await createGroup(db(), platformAdmin), await createGroup(db(), platformAdmin)];
    const follower = await newUser("gfollower");
    await twoThenRefused("follow", "group_follows", (i) =>
      db().request(follower, (tx) => tx`insert into public.group_follows (group_id) values (${groups[i]?.id ?? null})`),
    );
  });

  it("new conversations (message requests), while reopening an existing one is free", async () => {
    const others = [await newUser("o"), await newUser("o"), await newUser("o")];
    const opener = await newUser("opener");
    await twoThenRefused("conversation", "conversations", (i) => startConversation(db(), opener, others[i] as Actor));
    await expect(startConversation(db(), opener, others[0] as Actor)).resolves.toMatch(/^[0-9a-f-]{36}$/);
  });

  it("messages", async () => {
    const sender = await newUser("sender");
    const friend = await newUser("friend");
    await follow(db(), friend, sender);
    const conversation = await startConversation(db(), sender, friend);
    await twoThenRefused("message", "messages", (i) => send(db(), sender, conversation, `hello ${i}`));
  });

  it("groups", async () => {
    const founder = await newUser("founder");
    await twoThenRefused("group", "groups", () => createGroup(db(), founder, { slug: slugFor("g") }));
  });

  it("group invitations, and renewing a lapsed one counts as a new one", async () => {
    const owner = await newUser("owner");
    const group = await createGroup(db(), owner);
    const invitees = [await newUser("i"), await newUser("i"), await newUser("i")];
    await setLimit(db(), "group_invitation", { burst: 2, sustained: 1, period: "1 day" });
    const invite = (who: Actor) => db().rpc(owner, "invite_to_group", { group_id: group.id, user_id: who.user?.id ?? null });
    await invite(invitees[0] as Actor);
    await db().admin`update public.group_members set invite_expires_at = now() - interval '1 minute'
      where group_id = ${group.id} and user_id = ${invitees[0]?.user?.id ?? null}`;
    await invite(invitees[0] as Actor);
    const refusal = await expectThrottled(invite(invitees[1] as Actor));
    expect(refusal.details.action).toBe("group_invitation");
    const [row] = await db().admin`select count(*)::int as n from public.group_members where group_id = ${group.id} and status = 'invited'`;
    expect(row?.n).toBe(1);
  });

  it("join requests to private groups, while joining a public group is not throttled", async () => {
    const groups = [
      await createGroup(db(), platformAdmin, { visibility: "private" }),
      await createGroup(db(), platformAdmin, { visibility: "private" }),
      await createGroup(db(), platformAdmin, { visibility: "private" }),
    ];
    const joiner = await newUser("joiner");
    await twoThenRefused("group_join_request", "group_members", (i) => db().rpc(joiner, "join_group", { group_id: groups[i]?.id ?? null }));
    const open = await createGroup(db(), platformAdmin);
    await expect(db().rpc(joiner, "join_group", { group_id: open.id })).resolves.toBe("active");
  });
});
