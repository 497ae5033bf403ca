// POST /media-cleanup: removes media nothing references any more, through the Storage API (Storage
// forbids deleting storage.objects rows directly). Run by a schedule (Supabase Cron → this function)
// with the service role key. Each run claims a batch in the database (public.claim_media_for_removal:
// unreferenced media let go by a deleted post or message, never attached for 24 hours, or of a deleted
// account; marked under the row lock, so a concurrent attach either wins or is refused), then asks
// Storage to delete those objects; deleting an object deletes its media row. A run that fails half way
// is finished by a later one (a claim is handed out again after 15 minutes; deleting twice is harmless).
import { Hono } from "hono";
import type { Kysely } from "kysely";
import { sql } from "kysely";
import type { Database } from "../_shared/db.ts";
import { asService } from "../_shared/db.ts";
import type { Env } from "../_shared/env.ts";
import { HttpError, withJsonErrors } from "../_shared/errors.ts";
import { isServiceKey, secretKeyHeaders } from "../_shared/platform.ts";

const batchSize = 500;

function requireServiceKey(headers: { authorization?: string | undefined; apikey?: string | undefined }, env: Env): void {
  if (!env.SECRET_KEY)
    throw new HttpError(500, "misconfigured", "no secret key: SUPABASE_SECRET_KEYS (or SUPABASE_SERVICE_ROLE_KEY) is not set");
  if (!isServiceKey(env, headers)) throw new HttpError(401, "unauthorized", "the project's secret (service role) key is required");
}

export function createApp(env: Env, db: Kysely<Database>): Hono {
  const app = withJsonErrors(new Hono().basePath("/media-cleanup"));

  app.post("/", async (c) => {
    requireServiceKey({ authorization: c.req.header("authorization"), apikey: c.req.header("apikey") }, env);
    const claimed = await asService(db, async (tx) => {
      const { rows } = await sql<{
        bucket_id: string;
        object_path: string;
      }>`select bucket_id, object_path from public.claim_media_for_removal(batch_size => ${batchSize})`.execute(tx);
      return rows;
    });
    const byBucket = new Map<string, string[]>();
    for (const row of claimed) byBucket.set(row.bucket_id, [...(byBucket.get(row.bucket_id) ?? []), row.object_path]);
    let removed = 0;
    for (const [bucket, paths] of byBucket) {
      // storage-js remove(): DELETE /storage/v1/object/<bucket> {prefixes}; answers the deleted objects.
      const response = await fetch(`${env.SUPABASE_URL}/storage/v1/object/${encodeURIComponent(bucket)}`, {
        method: "DELETE",
        headers: { ...secretKeyHeaders(env), "content-type": "application/json" },
        body: JSON.stringify({ prefixes: paths }),
      });
      if (!response.ok) {
        throw new HttpError(502, "storage_error", `Storage answered ${response.status} deleting from ${bucket}`);
      }
      removed += ((await response.json()) as unknown[]).length;
    }
    return c.json({ claimed: claimed.length, removed }, 200);
  });

  return app;
}
