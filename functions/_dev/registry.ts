// Every edge function of this repository, by the name it is deployed under (supabase/config.toml).
import type { Hono } from "hono";
import type { Kysely } from "kysely";
import type { Database } from "../_shared/db.ts";
import type { Env } from "../_shared/env.ts";
import { createApp as account } from "../account/app.ts";
import { createApp as authLogin } from "../auth-login/app.ts";
import { createApp as institutionReview } from "../institution-review/app.ts";
import { createApp as mediaCleanup } from "../media-cleanup/app.ts";
import { createApp as moderation } from "../moderation/app.ts";

export const functionFactories: Record<string, (env: Env, db: Kysely<Database>) => Hono> = {
  account,
  "auth-login": authLogin,
  "institution-review": institutionReview,
  "media-cleanup": mediaCleanup,
  moderation: moderation,
};
