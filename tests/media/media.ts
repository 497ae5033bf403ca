// Media fixtures: uploading as Storage does (tests/helpers/storage.ts), posting and messaging with
// media as clients do, and what one actor can do with one object: list, read, upload, overwrite, delete.
import type { Actor, TestDatabase } from "../helpers/db.ts";
import { canRead, list, remove, upload } from "../helpers/storage.ts";

export { canRead, list, remove, upload };

let counter = 0;
/** A fresh file name in the actor's own folder. */
export function ownPath(actor: Actor, ext = "png"): string {
  counter += 1;
  return `${actor.user?.id}/f${counter}_${Date.now().toString(36)}.${ext}`;
}

export const storageRef = (bucket: string, path: string) => `storage://${bucket}/${path}`;
export const image = (value: string) => ({ type: "image", value, meta: { alt: "a photo" } });
export const video = (value: string) => ({ type: "video", value });

/** Uploads an image (or a video) to post-media and posts it; returns the object path and the post id. */
export async function postWithMedia(
  db: TestDatabase,
  actor: Actor,
  options: { group_id?: string; title?: string; kind?: "image" | "video" } = {},
): Promise<{ path: string; postId: string }> {
  const kind = options.kind ?? "image";
  const path = ownPath(actor, kind === "image" ? "png" : "mp4");
  await upload(db, actor, "post-media", path, { mimetype: kind === "image" ? "image/png" : "video/mp4" });
  const block = kind === "image" ? image(storageRef("post-media", path)) : video(storageRef("post-media", path));
  const rows = await db.rpcRows(actor, "create_post", {
    content: { blocks: [{ type: "text", value: "look" }, block] },
    title: options.title ?? (options.group_id ? "With media" : null),
    group_id: options.group_id ?? null,
    idempotency_key: null,
  });
  return { path, postId: (rows[0] as { id: string }).id };
}

/** supabase.from('message_media').insert({ message_id, media_id }). */
export function attach(db: TestDatabase, actor: Actor, messageId: string, mediaId: string, position = 0): Promise<unknown> {
  return db.request(
    actor,
    (tx) => tx`insert into public.message_media (message_id, media_id, position) values (${messageId}, ${mediaId}, ${position})`,
    { path: "/message_media" },
  );
}

export async function mediaIdOf(db: TestDatabase, bucket: string, path: string): Promise<string> {
  const [row] = await db.admin<{ id: string }[]>`select id from public.media where bucket_id = ${bucket} and object_path = ${path}`;
  if (!row) throw new Error(`no media row for ${bucket}/${path}`);
  return row.id;
}

/** Whether the actor can read the object both ways clients do (createSignedUrl and download), which must agree. */
export async function reads(db: TestDatabase, actor: Actor, bucket: string, path: string): Promise<boolean> {
  const [signed, downloaded] = await Promise.all([canRead(db, actor, bucket, path, "sign"), canRead(db, actor, bucket, path, "download")]);
  if (signed !== downloaded) throw new Error(`sign and download disagree for ${bucket}/${path}`);
  return signed;
}
