// Every variable the functions read, validated once at start-up (see .env.example).
//
// What the platform provides to every function (https://supabase.com/docs/guides/functions/secrets,
// "Default secrets"): SUPABASE_URL, SUPABASE_DB_URL, SUPABASE_PUBLISHABLE_KEYS and SUPABASE_SECRET_KEYS
// (JSON dictionaries such as {"default":"sb_publishable_…"}), SUPABASE_JWKS and, while the legacy keys
// last, SUPABASE_ANON_KEY and SUPABASE_SERVICE_ROLE_KEY. The singular SUPABASE_PUBLISHABLE_KEY /
// SUPABASE_SECRET_KEY are the fallbacks @supabase/server accepts for self-hosting
// (https://supabase.github.io/server/documents/environment-variables.html). The new names are read
// first. Names starting with SUPABASE_ are reserved: `supabase secrets set` refuses them, so every
// setting of ours has a name of its own (AUTH_JWT_SECRET, SMTP_*, MAIL_*, RESEND_*).
import { z } from "zod";

const schema = z.object({
  SUPABASE_URL: z.url(),
  SUPABASE_DB_URL: z.string().min(1),
  /** Publishable key (sb_publishable_…, or the legacy anon JWT), sent as `apikey` to Supabase Auth. */
  PUBLISHABLE_KEY: z.string().min(1),
  /** Secret key (sb_secret_…, or the legacy service_role JWT): Auth admin and Storage calls, and the callers of the maintenance routes. */
  SECRET_KEY: z.string().min(1).optional(),
  /**
   * HS256 secret of projects still signing with the legacy JWT secret, when the operator chose to give
   * it to the functions (AUTH_JWT_SECRET; SUPABASE_JWT_SECRET where a local runner sets it). Without
   * it an HS256 token is checked by Supabase Auth itself (see auth.ts).
   */
  JWT_SECRET: z.string().min(1).optional(),
  /** The project's public signing keys ({"keys":[…]}), as /auth/v1/.well-known/jwks.json serves them. */
  SUPABASE_JWKS: z.string().min(1).optional(),
  /** How mail is sent (mail.ts): smtp, resend, or none; unset = smtp when SMTP_HOST is set, else none. */
  MAIL_TRANSPORT: z.enum(["smtp", "resend", "none"]).optional(),
  /** Sender of every email ("Name <address>" or an address); required for any transport but none. */
  MAIL_FROM: z.string().min(1).optional(),
  SMTP_HOST: z.string().min(1).optional(),
  /** Default 465 (implicit TLS): hosted edge functions cannot open ports 25 and 587. */
  SMTP_PORT: z.coerce.number().int().positive().optional(),
  /** true = implicit TLS from the first byte (default on port 465); false = plain (a local catcher). */
  SMTP_SECURE: z.enum(["true", "false"]).optional(),
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASSWORD: z.string().min(1).optional(),
  /** Extra CA certificate (PEM) the SMTP server's certificate may chain to (a private relay). */
  SMTP_TLS_CA: z.string().min(1).optional(),
  RESEND_API_KEY: z.string().min(1).optional(),
  /** Default https://api.resend.com (tests point it at a local server). */
  RESEND_API_URL: z.url().optional(),
});

export type Env = z.infer<typeof schema>;

export function loadEnv(source: Record<string, string | undefined> = Deno.env.toObject()): Env {
  const problems: string[] = [];
  const normalized = {
    ...source,
    PUBLISHABLE_KEY: namedKey(source, "SUPABASE_PUBLISHABLE_KEYS", problems) ?? source.SUPABASE_ANON_KEY ?? source.SUPABASE_PUBLISHABLE_KEY,
    SECRET_KEY: namedKey(source, "SUPABASE_SECRET_KEYS", problems) ?? source.SUPABASE_SERVICE_ROLE_KEY ?? source.SUPABASE_SECRET_KEY,
    JWT_SECRET: source.AUTH_JWT_SECRET ?? source.SUPABASE_JWT_SECRET,
    // SMTP_FROM was the sender's name before MAIL_FROM; it still works.
    MAIL_FROM: source.MAIL_FROM ?? source.SMTP_FROM,
  };
  const parsed = schema.safeParse(normalized);
  if (!parsed.success) {
    for (const i of parsed.error.issues) problems.push(`${i.path.join(".")}: ${i.message}`);
  }
  if (problems.length > 0 || !parsed.success) {
    const hint = problems.some((p) => p.startsWith("PUBLISHABLE_KEY"))
      ? " (PUBLISHABLE_KEY comes from SUPABASE_PUBLISHABLE_KEYS, SUPABASE_ANON_KEY or SUPABASE_PUBLISHABLE_KEY)"
      : "";
    throw new Error(`invalid environment: ${problems.join("; ")}${hint}`);
  }
  return parsed.data;
}

/**
 * The key a JSON dictionary of keys names "default" ({"default": "sb_secret_…", "ci": …}), else its
 * first key; undefined when the variable is unset or empty. A value that is not such a dictionary is a
 * configuration error, reported rather than silently skipped.
 */
function namedKey(source: Record<string, string | undefined>, name: string, problems: string[]): string | undefined {
  const json = source[name];
  if (!json || json.trim() === "" || json.trim() === "{}") return undefined;
  try {
    const keys = JSON.parse(json) as unknown;
    if (keys && typeof keys === "object" && !Array.isArray(keys)) {
      const values = keys as Record<string, unknown>;
      const chosen = typeof values.default === "string" ? values.default : Object.values(values).find((v) => typeof v === "string");
      if (typeof chosen === "string" && chosen.length > 0) return chosen;
    }
  } catch {
    // reported below
  }
  problems.push(`${name}: not a JSON object of keys such as {"default":"sb_…"}`);
  return undefined;
}
