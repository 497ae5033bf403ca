// The running `supabase start` stack the end-to-end suite talks to, read from the environment the CI
// workflow exports from `supabase status -o env` (.github/workflows/ci.yml):
//   E2E_SUPABASE_URL      API_URL (http://127.0.0.1:54321)
//   E2E_PUBLISHABLE_KEY   PUBLISHABLE_KEY (or the legacy ANON_KEY)
//   E2E_SECRET_KEY        SECRET_KEY (or the legacy SERVICE_ROLE_KEY)
//   E2E_MAILPIT_URL       the local mail catcher's web/API address (MAILPIT_URL / INBUCKET_URL;
//                         default http://127.0.0.1:54324, config.toml [local_smtp].port)
// Without E2E_SUPABASE_URL there is no stack (machines without Docker): the suite is skipped, and
// says so in one line.
import { createClient, type WebSocketLikeConstructor } from "@supabase/supabase-js";
import ws from "ws";
import type { Database } from "../../types/database.ts";

export interface Stack {
  url: string;
  publishableKey: string;
  secretKey: string;
  mailpitUrl: string;
}

function readStack(): Stack | null {
  const url = process.env.E2E_SUPABASE_URL;
  if (!url) return null;
  const publishableKey = process.env.E2E_PUBLISHABLE_KEY;
  const secretKey = process.env.E2E_SECRET_KEY;
  if (!publishableKey || !secretKey) throw new Error("E2E_SUPABASE_URL is set but E2E_PUBLISHABLE_KEY or E2E_SECRET_KEY is not");
  return { url, publishableKey, secretKey, mailpitUrl: process.env.E2E_MAILPIT_URL ?? "http://127.0.0.1:54324" };
}

export const stack = readStack();
export const skipReason = "e2e skipped: no Supabase stack (E2E_SUPABASE_URL unset; CI sets it after `supabase start`)";

export type Client = ReturnType<typeof createClient<Database>>;

/**
 * A supabase-js client as an app would make it. Node 20 has no global WebSocket (supabase-js throws
 * "native WebSocket not found"), so Realtime gets the `ws` package as its transport
 * (RealtimeClientOptions.transport). @types/ws types its event handlers with ws's own Event class
 * rather than the DOM's, hence the cast to the interface realtime-js expects; at run time ws is the
 * constructor realtime-js calls.
 */
export function client(s: Stack, key = s.publishableKey): Client {
  return createClient<Database>(s.url, key, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: ws as unknown as WebSocketLikeConstructor },
  });
}

/**
 * Mailpit's HTTP API (GET /api/v1/search, GET /api/v1/message/<ID>): the newest message to `email`,
 * waiting for it to arrive. Auth's templates are HTML, so read both parts.
 */
export async function latestMailTo(s: Stack, email: string, timeoutMs = 20_000): Promise<{ Subject: string; Text: string; HTML: string }> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const search = await fetch(`${s.mailpitUrl}/api/v1/search?query=${encodeURIComponent(`to:"${email}"`)}`);
    if (search.ok) {
      const found = (await search.json()) as { messages?: { ID: string }[] };
      const id = found.messages?.[0]?.ID;
      if (id)
        return (await (await fetch(`${s.mailpitUrl}/api/v1/message/${id}`)).json()) as { Subject: string; Text: string; HTML: string };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no email to ${email} reached the local mail catcher within ${timeoutMs} ms`);
}
