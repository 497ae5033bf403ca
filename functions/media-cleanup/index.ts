import { connect } from "../_shared/db.ts";
import { loadEnv } from "../_shared/env.ts";
import { createApp } from "./app.ts";

const env = loadEnv();
// PORT lets tests and `npm run dev` run several functions side by side; the edge runtime ignores it.
Deno.serve({ port: Number(Deno.env.get("PORT") ?? 8000) }, createApp(env, connect(env.SUPABASE_DB_URL)).fetch);
