// Supabase Auth and Storage cannot run here, so one small local server plays the endpoints the
// account function calls, records what it received and does to the database what the real services
// do: the password grant stamps last_sign_in_at, the admin delete removes the auth.users row (as
// supabase_auth_admin), uploads and removals write storage.objects the way Storage does (removals
// with storage.allow_delete_query, as the Storage API sets it).
import { createServer, type Server } from "node:http";
import type { TestDatabase, User } from "./db.ts";
import { freePort } from "./edge-functions.ts";

export const serviceKey = "test-service-role-key-0123456789";
export const anonKey = "test-anon-key";

export interface Received {
  method: string;
  url: string;
  headers: Record<string, string | undefined>;
  body: string;
}

export interface PlatformApis {
  url: string;
  received: Received[];
  /** Passwords the password grant accepts, by email. */
  passwords: Map<string, User>;
  close(): Promise<void>;
}

export async function startPlatformApis(db: () => TestDatabase): Promise<PlatformApis> {
  const received: Received[] = [];
  const passwords = new Map<string, User>();
  const port = await freePort();
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => {
      raw += c.toString();
    });
    req.on("end", async () => {
      const url = req.url ?? "";
      const method = req.method ?? "";
      received.push({
        method,
        url,
        headers: {
          apikey: req.headers.apikey as string | undefined,
          authorization: req.headers.authorization,
          "content-type": req.headers["content-type"],
        },
        body: raw,
      });
      const reply = (status: number, body: unknown) => {
        res.statusCode = status;
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(body));
      };
      const isService = req.headers.authorization === `Bearer ${serviceKey}` && req.headers.apikey === serviceKey;
      try {
        if (method === "POST" && url === "/auth/v1/token?grant_type=password") {
          const { email, password } = JSON.parse(raw || "{}") as { email?: string; password?: string };
          const user = email ? passwords.get(`${email}\n${password}`) : undefined;
          if (!user) return reply(400, { code: 400, error_code: "invalid_credentials", msg: "Invalid login credentials" });
          await db().recordSignIn(user);
          return reply(200, { access_token: "new-session", token_type: "bearer", user: { id: user.id } });
        }
        if (method === "POST" && url === "/auth/v1/logout?scope=global") {
          res.statusCode = 204;
          return res.end();
        }
        const adminUser = /^\/auth\/v1\/admin\/users\/([0-9a-f-]{36})$/.exec(url);
        if (method === "DELETE" && adminUser) {
          if (!isService) return reply(401, { msg: "service key required" });
          await db().deleteAuthUser(adminUser[1] as string);
          return reply(200, {});
        }
        const upload = /^\/storage\/v1\/object\/([a-z-]+)\/(.+)$/.exec(url);
        if (method === "POST" && upload) {
          if (!isService) return reply(403, { message: "service key required" });
          const [, bucket, encoded] = upload;
          const name = decodeURIComponent(encoded as string);
          await db().admin`insert into storage.objects (bucket_id, name, owner_id, metadata)
            values (${bucket as string}, ${name}, null, ${db().admin.json({ size: raw.length, mimetype: req.headers["content-type"] ?? "" })})
            on conflict (bucket_id, name) do update set metadata = excluded.metadata`;
          return reply(200, { Key: `${bucket}/${name}` });
        }
        const remove = /^\/storage\/v1\/object\/([a-z-]+)$/.exec(url);
        if (method === "DELETE" && remove) {
          if (!isService) return reply(403, { message: "service key required" });
          const { prefixes } = JSON.parse(raw || "{}") as { prefixes?: string[] };
          const removed = await db().admin.begin(async (tx) => {
            await tx`select set_config('storage.allow_delete_query', 'true', true)`;
            return tx`delete from storage.objects where bucket_id = ${remove[1] as string} and name = any (${prefixes ?? []}) returning name`;
          });
          return reply(
            200,
            removed.map((r) => ({ name: r.name })),
          );
        }
        return reply(404, { message: `no route ${method} ${url}` });
      } catch (error) {
        return reply(500, { message: (error as Error).message });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    passwords,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** An object a user uploaded through Storage (owner_id = the uploader's sub), in that user's folder. */
export async function storedObject(db: TestDatabase, bucket: string, owner: string, file: string): Promise<string> {
  const name = `${owner}/${file}`;
  await db.admin`insert into storage.objects (bucket_id, name, owner_id, metadata)
    values (${bucket}, ${name}, ${owner}, '{"mimetype": "image/jpeg", "size": 1024, "contentLength": 1024}')`;
  return name;
}
