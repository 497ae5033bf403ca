// Uploads: the bucket's MIME allowlist and size limit hold in the database too (not only in the
// Storage API); each object gets a public.media row from what Storage recorded. Content references
// uploaded media as storage://post-media/<path>: the database checks that it exists, is the author's
// and fits the block; https URLs keep working.
import { beforeAll, describe, expect, it } from "vitest";
import { type Actor, idOf, serviceRole, useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { createPost, text } from "../posts/fixtures.ts";
import { image, ownPath, postWithMedia, storageRef, upload, video } from "./media.ts";

const db = useTestDatabase();
let author: Actor;
let other: Actor;

beforeAll(async () => {
  [author, other] = await Promise.all([db().newUser("u_author"), db().newUser("u_other")]);
});

describe("bucket limits", () => {
  it("are the same in storage.buckets for every bucket, and post-media and message-media are private", async () => {
    const rows = await db().admin`select id, public, file_size_limit::text as limit from storage.buckets order by id`;
    expect(rows).toEqual([
      { id: "avatars", public: true, limit: "2097152" },
      { id: "exports", public: false, limit: "104857600" },
      { id: "message-media", public: false, limit: "26214400" },
      { id: "post-media", public: false, limit: "52428800" },
    ]);
  });

  for (const [bucket, limit] of [
    ["avatars", 2097152],
    ["post-media", 52428800],
    ["message-media", 26214400],
  ] as const) {
    it(`${bucket}: refuses a MIME type outside the allowlist and a file over the limit, with 22023 naming the rule`, async () => {
      const e1 = await expectDbError(
        upload(db(), author, bucket, ownPath(author, "pdf"), { mimetype: "application/pdf" }),
        "22023",
        /mime type application\/pdf is not allowed/,
      );
      expect(e1.hint).toMatch(/rule media.mime_type/);
      if (bucket === "avatars") {
        await expectDbError(upload(db(), author, bucket, ownPath(author, "mp4"), { mimetype: "video/mp4" }), "22023", /not allowed/);
      }
      const e2 = await expectDbError(upload(db(), author, bucket, ownPath(author), { size: limit + 1 }), "22023", /exceeds the/);
      expect(e2.hint).toMatch(/rule media.size/);
      // The limit is not the client's to lift: service_role uploads obey it too.
      await expectDbError(upload(db(), serviceRole, bucket, `${idOf(author)}/svc.png`, { size: limit + 1 }), "22023", /exceeds the/);
      await upload(db(), author, bucket, ownPath(author), { size: limit });
    });
  }
});

describe("the media row", () => {
  it("records owner, bucket, path, MIME type, bytes and the client's width, height, duration and alt", async () => {
    const path = ownPath(author, "mp4");
    const objectId = await upload(db(), author, "post-media", path, {
      mimetype: "video/mp4",
      size: 123456,
      userMetadata: { width: 1920, height: "1080", duration: 12.5, alt: "A wave" },
    });
    const [row] = await db().request(author, (tx) => tx`select * from public.media where object_path = ${path}`);
    expect(row).toMatchObject({
      object_id: objectId,
      owner_id: idOf(author),
      bucket_id: "post-media",
      mime_type: "video/mp4",
      bytes: "123456",
      width: 1920,
      height: 1080,
      duration_seconds: "12.5",
      alt: "A wave",
      ref_count: 0,
      attached_at: null,
    });
    // Others do not read it.
    expect(await db().request(other, (tx) => tx`select * from public.media where object_path = ${path}`)).toHaveLength(0);
  });

  it("refuses nonsense user metadata with 22023 and keeps nothing", async () => {
    const path = ownPath(author);
    const e = await expectDbError(upload(db(), author, "post-media", path, { userMetadata: { width: -3 } }), "22023", /metadata.width/);
    expect(e.hint).toMatch(/rule media.metadata/);
    await expectDbError(upload(db(), author, "post-media", path, { userMetadata: { alt: "x".repeat(501) } }), "22023", /metadata.alt/);
    expect(await db().admin`select 1 from storage.objects where name = ${path}`).toHaveLength(0);
  });
});

describe("content references", () => {
  it("accept the author's own uploaded image or video, in the storage:// form and the older bare path", async () => {
    const { path } = await postWithMedia(db(), author);
    const clip = ownPath(author, "webm");
    await upload(db(), author, "post-media", clip, { mimetype: "video/webm" });
    const post = await createPost(db(), author, {
      blocks: [text("two"), image(`post-media/${path}`), video(storageRef("post-media", clip))],
    });
    const refs = await db().admin`select m.object_path from public.post_media pm join public.media m on m.id = pm.media_id
      where pm.post_id = ${post.id} order by m.object_path`;
    expect(refs.map((r) => r.object_path).sort()).toEqual([path, clip].sort());
  });

  it("refuse media that does not exist, is someone else's or does not fit the block, naming the block and rule", async () => {
    const missing = await expectDbError(
      createPost(db(), author, { blocks: [text("x"), image(storageRef("post-media", `${idOf(author)}/nope.png`))] }),
      "22023",
      /content.blocks\[1\] \(image\): no uploaded media/,
    );
    expect(missing.hint).toMatch(/rule media.not_found/);
    const theirs = ownPath(other);
    await upload(db(), other, "post-media", theirs);
    await expectDbError(
      createPost(db(), author, { blocks: [image(storageRef("post-media", theirs))] }),
      "22023",
      /own folder|no uploaded media/,
    );
    const pic = ownPath(author);
    await upload(db(), author, "post-media", pic, { mimetype: "image/png" });
    const wrong = await expectDbError(
      createPost(db(), author, { blocks: [video(storageRef("post-media", pic))] }),
      "22023",
      /content.blocks\[0\] \(video\): media .* is image\/png, not an video/,
    );
    expect(wrong.hint).toMatch(/rule media.type/);
    // A message-media object is not a post's.
    const dm = ownPath(author);
    await upload(db(), author, "message-media", dm);
    await expectDbError(createPost(db(), author, { blocks: [image(`storage://message-media/${dm}`)] }), "22023", /image.value|storage/);
  });

  it("keep https URLs working", async () => {
    const post = await createPost(db(), author, { blocks: [image("https://images.example.com/a.png")] });
    expect(post.id).toBeTruthy();
  });

  it("follow edits: an edited post references exactly its new media", async () => {
    const { path, postId } = await postWithMedia(db(), author);
    const next = ownPath(author);
    await upload(db(), author, "post-media", next);
    await db().request(
      author,
      (tx) => tx`update public.posts set content = ${tx.json({ blocks: [image(storageRef("post-media", next))] })} where id = ${postId}`,
      { method: "PATCH", path: "/posts" },
    );
    const rows = await db().admin`select object_path, ref_count, detached_at is not null as detached from public.media
      where object_path in (${path}, ${next}) order by ref_count`;
    expect(rows).toEqual([
      { object_path: path, ref_count: 0, detached: true },
      { object_path: next, ref_count: 1, detached: false },
    ]);
  });
});
