// Every variable the functions read, validated once at start-up (see .env.example).
import { z } from "zod";

const schema = z.object({
  SUPABASE_URL: z.url(),
  SUPABASE_DB_URL: z.string().min(1),
  /** Publishable (or legacy anon) key, sent as `apikey` to Supabase Auth. */
  SUPABASE_ANON_KEY: z.string().min(1),
  /** HS256 secret of legacy/local projects; tokens signed with asymmetric keys use SUPABASE_JWKS. */
  SUPABASE_JWT_SECRET: z.string().min(1).optional(),
  SUPABASE_JWKS: z.string().min(1).optional(),
  /** Secret (or legacy service_role) key: the account function's Auth admin and Storage calls, and its maintenance route; media-cleanup checks its caller with it and calls Storage with it. */
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(1).optional(),
  SMTP_HOST: z.string().min(1).optional(),
  SMTP_PORT: z.coerce.number().int().positive().optional(),
  SMTP_FROM: z.string().min(1).optional(),
});

export type Env = z.infer<typeof schema>;

export function loadEnv(source: Record<string, string | undefined> = Deno.env.toObject()): Env {
  const normalized = {
    ...source,
    SUPABASE_ANON_KEY: source.SUPABASE_ANON_KEY ?? source.SUPABASE_PUBLISHABLE_KEY,
    SUPABASE_SERVICE_ROLE_KEY: source.SUPABASE_SERVICE_ROLE_KEY ?? source.SUPABASE_SECRET_KEY ?? defaultKey(source.SUPABASE_SECRET_KEYS),
  };
  const parsed = schema.safeParse(normalized);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`invalid environment: ${problems}`);
  }
  return parsed.data;
}

/** The "default" key of SUPABASE_SECRET_KEYS ({"default": "sb_secret_…"}), if any. */
function defaultKey(json: string | undefined): string | undefined {
  if (!json) return undefined;
  try {
    const keys = JSON.parse(json) as Record<string, unknown>;
    return typeof keys.default === "string" ? keys.default : undefined;
  } catch {
    return undefined;
  }
}
