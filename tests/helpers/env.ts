// Where the tests find PostgreSQL: a plain server with trust auth for postgres, authenticator and
// supabase_auth_admin (the roles the platform bootstrap creates).
export const serverUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
