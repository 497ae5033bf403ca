// The account lifecycle, for the signed-in user (Authorization: Bearer <access token>):
//   POST /account/delete {password?}  re-checks the password (or a sign-in within the window), schedules
//                                     the deletion after the grace period and signs the user out everywhere
//   POST /account/cancel-deletion     cancels a pending deletion (signing in does too)
//   POST /account/export              writes a JSON archive of the user's data to exports/<user id>/… (one a day)
// and, for the scheduled job only (Authorization: Bearer <service key>):
//   POST /account/maintenance         finishes due deletions (Storage API, then the Auth admin API) and
//                                     removes expired export archives.
// Rules live in the database (sql/82_accounts.sql); docs/accounts.md describes the whole lifecycle.
import { Hono } from "hono";
import type { Kysely } from "kysely";
import { sql } from "kysely";
import { z } from "zod";
import { type Claims, verifyBearer } from "../_shared/auth.ts";
import { asCaller, asService, type Database } from "../_shared/db.ts";
import type { Env } from "../_shared/env.ts";
import { errorResponse, fromZod, HttpError } from "../_shared/errors.ts";
import { deleteAuthUser, isServiceKey, passwordIsRight, removeObjects, signOutEverywhere, uploadObject } from "../_shared/platform.ts";

export const deleteInput = z.strictObject({ password: z.string().min(1).max(1024).optional() });
export const emptyInput = z.strictObject({});

async function body<T extends z.ZodType>(schema: T, raw: unknown): Promise<z.infer<T>> {
  const parsed = schema.safeParse(raw ?? {});
  if (!parsed.success) throw fromZod(parsed.error);
  return parsed.data;
}

/** When the token's session proved who the user is: the latest amr timestamp (seconds since 1970). */
function signedInAt(claims: Claims): Date | null {
  const amr = (claims as { amr?: { timestamp?: number }[] }).amr;
  const latest = Math.max(0, ...(amr ?? []).map((a) => (typeof a.timestamp === "number" ? a.timestamp : 0)));
  return latest > 0 ? new Date(latest * 1000) : null;
}

export function createApp(env: Env, db: Kysely<Database>): Hono {
  const app = new Hono().basePath("/account");
  const json = (c: { req: { json: () => Promise<unknown> } }) => c.req.json().catch(() => ({}));

  app.post("/delete", async (c) => {
    try {
      const claims = await verifyBearer(c.req.header("authorization"), env);
      const { password } = await body(deleteInput, await json(c));
      let authenticatedAt = signedInAt(claims);
      if (password !== undefined) {
        const email = typeof claims.email === "string" ? claims.email : "";
        if (!email || !(await passwordIsRight(env, email, password))) {
          throw new HttpError(403, "invalid_credentials", "the password is not right");
        }
        authenticatedAt = new Date();
      }
      const deletion = await asService(db, async (tx) => {
        const { rows } = await sql<{ deletion: { requested_at: string; deletes_at: string } }>`
          select private.schedule_account_deletion(${claims.sub}::uuid, ${authenticatedAt?.toISOString() ?? null}::timestamptz) as deletion`.execute(
          tx,
        );
        return rows[0]?.deletion;
      });
      const token = c.req.header("authorization")?.replace(/^Bearer\s+/i, "") ?? "";
      await signOutEverywhere(env, token);
      return c.json({ deletion, signed_out: true }, 202);
    } catch (error) {
      return errorResponse(c, error);
    }
  });

  app.post("/cancel-deletion", async (c) => {
    try {
      const claims = await verifyBearer(c.req.header("authorization"), env);
      await body(emptyInput, await json(c));
      const cancelled = await asService(db, async (tx) => {
        const { rows } = await sql<{
          cancelled: boolean;
        }>`select private.cancel_account_deletion(${claims.sub}::uuid) as cancelled`.execute(tx);
        return rows[0]?.cancelled ?? false;
      });
      return c.json({ cancelled }, 200);
    } catch (error) {
      return errorResponse(c, error);
    }
  });

  app.post("/export", async (c) => {
    try {
      const claims = await verifyBearer(c.req.header("authorization"), env);
      await body(emptyInput, await json(c));
      // One transaction as the caller: the record (throttled: one a day), the notification and the
      // upload stand or fall together.
      const result = await asCaller(db, claims, async (tx) => {
        const { rows } = await sql<{
          export: { id: string; bucket: string; path: string; expires_at: string; archive: unknown };
        }>`select private.start_account_export() as export`.execute(tx);
        const started = rows[0]?.export;
        if (!started) throw new HttpError(500, "internal", "the export did not start");
        await uploadObject(env, started.bucket, started.path, JSON.stringify(started.archive, null, 2), "application/json");
        return { id: started.id, bucket: started.bucket, path: started.path, expires_at: started.expires_at };
      });
      return c.json(result, 201);
    } catch (error) {
      return errorResponse(c, error);
    }
  });

  app.post("/maintenance", async (c) => {
    try {
      if (!isServiceKey(env, { authorization: c.req.header("authorization"), apikey: c.req.header("apikey") })) {
        throw new HttpError(
          401,
          "unauthorized",
          "this route is for the scheduled job: apikey: <secret key> (or Authorization: Bearer <service key>)",
        );
      }
      const due = await asService(db, async (tx) => {
        const { rows } = await sql<{ user_id: string; objects: { bucket_id: string; name: string }[] }>`
          select user_id, objects from private.due_account_deletions(20)`.execute(tx);
        return rows;
      });
      const failures: { user_id?: string; export_id?: string; message: string }[] = [];
      let deleted = 0;
      for (const account of due) {
        try {
          const byBucket = new Map<string, string[]>();
          for (const o of account.objects) byBucket.set(o.bucket_id, [...(byBucket.get(o.bucket_id) ?? []), o.name]);
          for (const [bucket, names] of byBucket) await removeObjects(env, bucket, names);
          await deleteAuthUser(env, account.user_id);
          deleted++;
        } catch (error) {
          failures.push({ user_id: account.user_id, message: (error as Error).message });
        }
      }
      const expired = await asService(db, async (tx) => {
        const { rows } = await sql<{
          id: string;
          object_path: string;
        }>`select id, object_path from private.expired_account_exports(100)`.execute(tx);
        return rows;
      });
      let removed = 0;
      for (const archive of expired) {
        try {
          await removeObjects(env, "exports", [archive.object_path]);
          await asService(db, (tx) => sql`select private.forget_account_export(${archive.id}::uuid)`.execute(tx));
          removed++;
        } catch (error) {
          failures.push({ export_id: archive.id, message: (error as Error).message });
        }
      }
      return c.json({ deleted_accounts: deleted, removed_exports: removed, failures }, failures.length > 0 ? 502 : 200);
    } catch (error) {
      return errorResponse(c, error);
    }
  });

  return app;
}
