// Supabase Storage's database side, statement for statement (supabase/storage src/storage/database/pg.ts,
// src/storage/uploader.ts, src/internal/database/postgres/scope.ts): each API call is one
// transaction as the caller's role with the JWT claims and storage.operation set; uploads insert
// (upsert: insert … on conflict do update) the object with the metadata Storage records; list and
// download/sign select under RLS; remove deletes with storage.allow_delete_query = 'true'.
import { createHash, randomUUID } from "node:crypto";
import type { Actor, TestDatabase, Tx } from "./db.ts";

export interface UploadOptions {
  mimetype?: string;
  size?: number;
  upsert?: boolean;
  /** supabase-js `metadata` option: stored as user_metadata. */
  userMetadata?: Record<string, unknown>;
}

function asStorage<T>(db: TestDatabase, actor: Actor, operation: string, body: (tx: Tx) => Promise<T>): Promise<T> {
  return db.request(actor, async (tx) => {
    await tx`select set_config('storage.operation', ${operation}, true), set_config('storage.allow_delete_query', 'true', true)`;
    return body(tx);
  });
}

/** POST /object/<bucket>/<path> (x-upsert: true → upsert). Returns the object id. */
export async function upload(db: TestDatabase, actor: Actor, bucket: string, path: string, options: UploadOptions = {}): Promise<string> {
  const size = options.size ?? 1024;
  const mimetype = options.mimetype ?? "image/png";
  const owner = actor.user?.id ?? null;
  const metadata = {
    eTag: `"${createHash("md5").update(randomUUID()).digest("hex")}"`,
    size,
    mimetype,
    cacheControl: "max-age=3600",
    lastModified: new Date().toUTCString(),
    contentLength: size,
    httpStatusCode: 200,
  };
  const userMetadata = options.userMetadata ?? null;
  const operation = options.upsert ? "storage.object.upload_update" : "storage.object.upload";
  const rows = await asStorage(db, actor, operation, (tx) =>
    options.upsert
      ? tx`insert into storage.objects (name, owner, owner_id, bucket_id, metadata, user_metadata, version)
          values (${path}, ${owner}, ${owner}, ${bucket}, ${tx.json(metadata)}, ${userMetadata === null ? null : tx.json(userMetadata as never)}, ${randomUUID()})
          on conflict (name, bucket_id) do update set metadata = excluded.metadata, user_metadata = excluded.user_metadata,
            version = excluded.version, owner = excluded.owner, owner_id = excluded.owner_id
          returning id`
      : tx`insert into storage.objects (name, owner, owner_id, bucket_id, metadata, user_metadata, version)
          values (${path}, ${owner}, ${owner}, ${bucket}, ${tx.json(metadata)}, ${userMetadata === null ? null : tx.json(userMetadata as never)}, ${randomUUID()})
          returning id`,
  );
  return (rows[0] as { id: string }).id;
}

/** POST /object/list/<bucket> {prefix}: the names the caller may list. */
export async function list(db: TestDatabase, actor: Actor, bucket: string, prefix: string): Promise<string[]> {
  const rows = await asStorage(
    db,
    actor,
    "storage.object.list",
    (tx) => tx`select name from storage.objects where bucket_id = ${bucket} and name like ${`${prefix}%`} order by name`,
  );
  return rows.map((r) => (r as { name: string }).name);
}

/** createSignedUrl (POST /object/sign/…) or download (GET /object/authenticated/…): may the caller read it? */
export async function canRead(
  db: TestDatabase,
  actor: Actor,
  bucket: string,
  path: string,
  via: "sign" | "download" = "sign",
): Promise<boolean> {
  const operation = via === "sign" ? "storage.object.sign" : "storage.object.get_authenticated";
  const rows = await asStorage(
    db,
    actor,
    operation,
    (tx) => tx`select id from storage.objects where bucket_id = ${bucket} and name = ${path}`,
  );
  return rows.length === 1;
}

/** DELETE /object/<bucket> {prefixes}: the names actually deleted (RLS decides). */
export async function remove(db: TestDatabase, actor: Actor, bucket: string, paths: string[]): Promise<string[]> {
  const rows = await asStorage(
    db,
    actor,
    "storage.object.delete_many",
    (tx) => tx`delete from storage.objects where bucket_id = ${bucket} and name = any(${paths}) returning name`,
  );
  return rows.map((r) => (r as { name: string }).name);
}
