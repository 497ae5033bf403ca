// Local stand-in for the Edge Runtime's router: serves every function of this repository at
// http://127.0.0.1:$PORT/functions/v1/<name>/… in one Deno process (used by `npm run dev` and the
// tests). In production each function's index.ts is its own entrypoint.
import type { Hono } from "hono";
import { connect } from "../_shared/db.ts";
import { loadEnv } from "../_shared/env.ts";
import { functionFactories } from "./registry.ts";

const env = loadEnv();
const db = connect(env.SUPABASE_DB_URL);
const apps = new Map<string, Hono>(Object.entries(functionFactories).map(([name, create]) => [name, create(env, db)]));
const port = Number(Deno.env.get("PORT") ?? "54321");

Deno.serve(
  { hostname: "127.0.0.1", port, onListen: () => console.log(`functions listening on http://127.0.0.1:${port}/functions/v1/`) },
  (request) => {
    const url = new URL(request.url);
    const match = url.pathname.match(/^\/functions\/v1\/([a-z0-9-]+)(?:\/.*)?$/);
    const app = match ? apps.get(match[1] ?? "") : undefined;
    if (!app) return Response.json({ error: { code: "not_found", message: "no such function" } }, { status: 404 });
    url.pathname = url.pathname.slice("/functions/v1".length);
    return app.fetch(new Request(url, request));
  },
);
