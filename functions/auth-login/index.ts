import { connect } from "../_shared/db.ts";
import { loadEnv } from "../_shared/env.ts";
import { createApp } from "./app.ts";

const env = loadEnv();
Deno.serve(createApp(env, connect(env.SUPABASE_DB_URL)).fetch);
