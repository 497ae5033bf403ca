/**
 * Embedded Postgres for `npm run dev` without DATABASE_URL: PGlite 0.3.14 (PostgreSQL 17.5 compiled
 * to WASM: ONE single-user backend inside this Node process) served over the wire protocol.
 *
 * Why not PGLiteSocketServer (@electric-sql/pglite-socket 0.0.19): it hands every TCP chunk to
 * PGlite as is, so a message split across chunks (any statement over 64 KiB, e.g. a migration with
 * a big insert) aborts the WASM ("RuntimeError: unreachable") and kills the process; it serves one
 * connection at a time with no maxConnections or multiplexing option (others wait in a queue and
 * are dropped after 60 s); and the next connection inherits the previous one's session: role, SET
 * values, prepared statements, even an open or aborted transaction. It also answers SSLRequest
 * with an auth request, so psql without sslmode=disable fails. This server instead:
 *   - frames messages, answers SSLRequest/GSSENCRequest with 'N', logs in without a password
 *     (trust) but only as an existing LOGIN role, only to database "postgres";
 *   - multiplexes any number of connections at transaction boundaries (like PgBouncer transaction
 *     mode / Supavisor :6543): one client owns the backend from its first message until
 *     ReadyForQuery 'I' after a Sync/Query; the others wait (queueTimeoutMs, then FATAL 08P01);
 *   - gives every client its own session: on a switch it saves the previous client's session
 *     GUCs, role and session user and restores the next one's; named prepared statements are
 *     renamed per client; a departed client's open transaction is rolled back; when the last
 *     client leaves the session is DISCARD ALL'ed.
 *
 * Verified with psql 15, postgres.js 3.4.7 and the Supabase CLI 2.117 (pgx): `supabase db push`,
 * `migration list` and `db advisors` work; roles, SET ROLE, RLS, partitioned tables, generated
 * columns, plpgsql, event triggers, ALTER DATABASE/ROLE ... SET work.
 *
 * What PGlite cannot do that a Supabase schema may need (verified against 0.3.14):
 *   - Extensions: only those shipped as PGlite bundles. Loaded here: pgtap, pg_trgm, citext,
 *     uuid-ossp, btree_gist, btree_gin, fuzzystrmatch, unaccent, hstore, ltree, vector, and
 *     pgcrypto when the installed PGlite has it (0.3.16 does, still PostgreSQL 17.5; 0.3.14 does
 *     not: no crypt()/gen_salt(), while gen_random_uuid() is core and works). Absent: pg_cron,
 *     pg_net, pgmq, plpgsql_check (`supabase db lint` fails: "failed to enable pgsql_check"),
 *     pg_stat_statements, pgjwt, pg_graphql, pgsodium/supabase_vault, postgis.
 *   - One backend, so transactions run strictly one after another: no lock waits, no deadlocks,
 *     no serialization failures, SKIP LOCKED never skips. A client that holds a transaction open
 *     while it waits for another connection blocks until queueTimeoutMs. Queries cannot be
 *     cancelled (CancelRequest is dropped), and a running query blocks this Node event loop.
 *   - statement_timeout, lock_timeout and idle_in_transaction_session_timeout are accepted but
 *     never fire (pg_sleep(1) finishes under statement_timeout = 200ms): the per-role timeouts of
 *     the platform bootstrap have no effect.
 *   - Logins are emulated with SET SESSION AUTHORIZATION: passwords are not checked, role settings
 *     (ALTER ROLE ... SET) are applied at login, and any connection may still run
 *     `SET SESSION AUTHORIZATION postgres` (PGlite's one real login is the superuser). In PGlite
 *     SET SESSION AUTHORIZATION DEFAULT / RESET is a silent no-op. Not a security boundary.
 *   - Shared between connections despite the switching: temp tables, session advisory locks,
 *     LISTEN (notifications reach whichever client is running), WITH HOLD cursors, SQL-level
 *     PREPARE names (DEALLOCATE ALL drops everyone's). Only database "postgres" can be used
 *     (CREATE DATABASE works but cannot be connected to). pg_stat_activity is empty,
 *     pg_backend_pid() is 0. No replication, no logical decoding, no Realtime postgres_changes.
 *   - COPY ... FROM STDIN aborts the WASM (RuntimeError: unreachable, every connection lost): this
 *     server refuses it with SQLSTATE 0A000 instead. COPY ... TO STDOUT works.
 *   - The server runs PostgreSQL 17.5 (Supabase projects run 15 or 17). PGlite ignores
 *     postgresql.conf and starts with search_path = pg_catalog, enable_seqscan = off, TimeZone GMT,
 *     allow_system_table_mods = on and (first start) client_min_messages = debug3; sessions here
 *     start from stock values instead, but `RESET x` still returns to PGlite's value.
 *   - The data directory has no lock: never open it from two processes at once (the port is bound
 *     before the data directory is opened, so a second `npm run dev` on the same port fails
 *     first). A killed process recovers from WAL on the next start; stop() shuts down cleanly.
 */
import { randomInt } from "node:crypto";
import { mkdir } from "node:fs/promises";
import net from "node:net";
import { type Extension, PGlite } from "@electric-sql/pglite";
import { btree_gin } from "@electric-sql/pglite/contrib/btree_gin";
import { btree_gist } from "@electric-sql/pglite/contrib/btree_gist";
import { citext } from "@electric-sql/pglite/contrib/citext";
import { fuzzystrmatch } from "@electric-sql/pglite/contrib/fuzzystrmatch";
import { hstore } from "@electric-sql/pglite/contrib/hstore";
import { ltree } from "@electric-sql/pglite/contrib/ltree";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { unaccent } from "@electric-sql/pglite/contrib/unaccent";
import { uuid_ossp } from "@electric-sql/pglite/contrib/uuid_ossp";
import { pgtap } from "@electric-sql/pglite/pgtap";
import { vector } from "@electric-sql/pglite/vector";

export interface PgliteServerOptions {
  dataDir: string;
  host?: string;
  /** default 54322; 0 picks a free port */
  port?: number;
  /** how long a client may wait for another client's transaction (default 30 s) */
  queueTimeoutMs?: number;
}

export interface PgliteServer {
  /** postgresql://postgres@host:port/postgres?sslmode=disable */
  url: string;
  stop(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const PROTOCOL_3 = 196608;
const SUPERUSER = "postgres";
/** PGlite's startup values differ from a stock server's (see above): every session starts from these. */
const BASELINE = `set search_path = "$user", public; set client_min_messages = notice; set enable_seqscan = on; set timezone = 'UTC'`;
/** messages after which the backend answers with ReadyForQuery: Sync, Query, FunctionCall, CopyDone, CopyFail */
const ENDS_SEQUENCE = new Set(["S", "Q", "F", "c", "f"]);
/** SQL that may change session state; a session that ran none is not re-read on a switch (set_config(..., false)
 * inside a function called by other SQL is missed). */
const MAY_SET = /\b(set|reset|discard)\b|set_config|session_authorization/i;
/** COPY ... FROM STDIN aborts the WASM backend (RuntimeError: unreachable) and with it every connection. */
const COPY_FROM_STDIN = /\bcopy\b[^;]*?\bfrom\s+stdin\b/i;
const REFUSE_COPY = `do $pglite$ begin raise exception 'PGlite cannot run COPY ... FROM STDIN (it aborts the embedded server): use INSERT'
  using errcode = 'feature_not_supported'; end $pglite$`;
const REPORTED = [
  "server_version",
  "server_encoding",
  "DateStyle",
  "IntervalStyle",
  "TimeZone",
  "integer_datetimes",
  "standard_conforming_strings",
  "default_transaction_read_only",
  "in_hot_standby",
  "scram_iterations",
  "application_name",
];
const NOT_SETTINGS = new Set(["user", "database", "options", "replication", "client_encoding"]);

interface Session {
  /** session-level settings by lower-case name */
  settings: Map<string, string>;
  user: string;
  role: string;
}

interface Client {
  readonly id: number;
  readonly socket: net.Socket;
  phase: "startup" | "login" | "ready" | "closed";
  buffer: Buffer;
  params: Map<string, string>;
  /** complete messages not yet given to PGlite */
  inbox: Buffer[];
  /** extended-protocol messages were forwarded after the last Sync */
  midSequence: boolean;
  /** restored whenever this client gets the backend */
  session: Session;
  /** it sent SQL that may have changed its session since `session` was last read */
  dirty: boolean;
  statements: Map<string, string>;
  nextStatement: number;
  timer: NodeJS.Timeout | undefined;
}

const cstr = (s: string): Buffer => Buffer.from(`${s}\0`, "utf8");
const ident = (s: string): string => `"${s.replaceAll('"', '""')}"`;
const sessionKey = (s: Session): string => JSON.stringify([s.user, s.role, [...s.settings].sort()]);

function packet(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(5);
  head.write(type, 0, "latin1");
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const errorPacket = (severity: "ERROR" | "FATAL", code: string, text: string): Buffer =>
  packet("E", cstr(`S${severity}`), cstr(`V${severity}`), cstr(`C${code}`), cstr(`M${text}`), Buffer.from([0]));

/** PGlite's debug WARNING "# 1743: aborting transaction N", sent on every rollback of a transaction that wrote. */
const ABORT_NOISE = Buffer.from("RRecordTransactionAbort\0");

/** Drops PGlite's abort noise; ready: the status byte if the final message is ReadyForQuery. */
function inspect(out: Buffer): { out: Buffer; ready: string | null } {
  const noise: [number, number][] = [];
  let ready: string | null = null;
  for (let at = 0; at + 5 <= out.length; ) {
    const next = at + 1 + out.readInt32BE(at + 1);
    ready = out[at] === 0x5a ? String.fromCharCode(out[at + 5] ?? 0) : null;
    if (out[at] === 0x4e /* Notice */ && out.subarray(at, next).includes(ABORT_NOISE)) noise.push([at, next]);
    at = next;
  }
  if (noise.length === 0) return { out, ready };
  const kept: Buffer[] = [];
  let from = 0;
  for (const [start, end] of noise) {
    kept.push(out.subarray(from, start));
    from = end;
  }
  kept.push(out.subarray(from));
  return { out: Buffer.concat(kept), ready };
}

/** Refuses COPY FROM STDIN, notes SQL that may change the session, renames named prepared statements per client. */
function rewrite(c: Client, msg: Buffer): Buffer {
  const type = String.fromCharCode(msg[0] ?? 0);
  const cut = (from: number): [string, number] => {
    const end = msg.indexOf(0, from);
    return [msg.toString("utf8", from, end), end + 1];
  };
  const alias = (name: string): string => {
    if (name === "") return name;
    let a = c.statements.get(name);
    if (a === undefined) {
      a = `pglite${c.id}_${c.nextStatement++}`;
      if (type === "P") c.statements.set(name, a);
    }
    return a;
  };
  if (type === "Q") {
    const [query] = cut(5);
    if (MAY_SET.test(query)) c.dirty = true;
    return COPY_FROM_STDIN.test(query) ? packet("Q", cstr(REFUSE_COPY)) : msg;
  }
  if (type === "P") {
    const [name, afterName] = cut(5);
    const [query, rest] = cut(afterName);
    if (MAY_SET.test(query)) c.dirty = true;
    const refused = COPY_FROM_STDIN.test(query);
    return packet("P", cstr(alias(name)), cstr(refused ? REFUSE_COPY : query), refused ? Buffer.alloc(2) : msg.subarray(rest));
  }
  if (type === "B") {
    const [portal, afterPortal] = cut(5);
    const [name, rest] = cut(afterPortal);
    return packet("B", cstr(portal), cstr(alias(name)), msg.subarray(rest));
  }
  if ((type === "D" || type === "C") && msg[5] === 0x53 /* 'S' */) {
    const [name] = cut(6);
    const renamed = alias(name);
    if (type === "C") c.statements.delete(name);
    return packet(type, Buffer.from("S"), cstr(renamed));
  }
  return msg;
}

/** PGlite ships pgcrypto from 0.3.16 (PostgreSQL 17.5 still); 0.3.14 has none. */
async function pgcrypto(): Promise<Record<string, Extension>> {
  const specifier = "@electric-sql/pglite/contrib/pgcrypto"; // a variable: 0.3.14 has no typings for it
  try {
    const mod = (await import(specifier)) as { pgcrypto?: Extension };
    return mod.pgcrypto ? { pgcrypto: mod.pgcrypto } : {};
  } catch {
    return {};
  }
}

export async function startPglite(opts: PgliteServerOptions): Promise<PgliteServer> {
  const host = opts.host ?? "127.0.0.1";
  const queueTimeoutMs = opts.queueTimeoutMs ?? 30_000;
  const sockets = new Set<net.Socket>();
  const clients = new Set<Client>();
  const waiting: Client[] = [];
  const departed: Client[] = [];
  /** the client whose transaction or message sequence is running */
  let owner: Client | null = null;
  /** the client whose session the backend holds; null: postgres with BASELINE */
  let current: Client | null = null;
  let nextId = 1;
  let stopping = false;
  let failure: Error | null = null;
  let pumping: Promise<void> | null = null;

  // Bind first: a second dev server on the same port fails before it touches the data directory.
  const server = net.createServer((socket) => accept(socket));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 54322, host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("pglite: no TCP address");

  await mkdir(opts.dataDir, { recursive: true });
  const db = await PGlite.create(opts.dataDir, {
    extensions: {
      pgtap,
      pg_trgm,
      citext,
      uuid_ossp,
      btree_gist,
      btree_gin,
      fuzzystrmatch,
      unaccent,
      hstore,
      ltree,
      vector,
      ...(await pgcrypto()),
    },
  });
  const readSession = async (): Promise<Session> => {
    const { rows } = await db.query<{ settings: [string, string][]; role: string; user: string }>(
      `select coalesce(json_agg(json_build_array(lower(name), current_setting(name))), '[]') as settings,
              current_setting('role') as role, session_user::text as user
         from pg_settings where source = 'session'`,
    );
    const row = rows[0];
    return { settings: new Map(row?.settings), role: row?.role ?? "none", user: row?.user ?? SUPERUSER };
  };
  await db.exec(BASELINE);
  const baseline = await readSession();
  const reported = new Map<string, string>(
    (await db.query<{ name: string; setting: string }>("select name, setting from pg_settings where name = any($1)", [REPORTED])).rows.map(
      (r) => [r.name, r.setting] as const,
    ),
  );

  const raw = async (bytes: Buffer): Promise<Buffer> =>
    Buffer.from(await db.execProtocolRaw(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)));
  const quietly = async (sql: string, params: string[] = []): Promise<void> => {
    try {
      await db.query(sql, params);
    } catch {
      // a setting or statement the session no longer accepts is skipped
    }
  };

  function accept(socket: net.Socket): void {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    if (stopping || failure) {
      socket.end(errorPacket("FATAL", "57P03", failure ? `pglite failed: ${failure.message}` : "pglite is shutting down"));
      return;
    }
    socket.setNoDelay(true);
    const c: Client = {
      id: nextId++,
      socket,
      phase: "startup",
      buffer: Buffer.alloc(0),
      params: new Map(),
      inbox: [],
      midSequence: false,
      session: baseline,
      dirty: false,
      statements: new Map(),
      nextStatement: 0,
      timer: undefined,
    };
    clients.add(c);
    socket.on("data", (chunk: Buffer) => receive(c, chunk));
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      c.phase = "closed";
      clearTimeout(c.timer);
      clients.delete(c);
      const queued = waiting.indexOf(c);
      if (queued >= 0) waiting.splice(queued, 1);
      if (c !== owner) departed.push(c); // an owner is rolled back first, then departs
      kick();
    });
  }

  function receive(c: Client, chunk: Buffer): void {
    c.buffer = c.buffer.length > 0 ? Buffer.concat([c.buffer, chunk]) : chunk;
    while (c.phase !== "closed") {
      const startup = c.phase === "startup";
      if (c.buffer.length < (startup ? 8 : 5)) return;
      const length = startup ? c.buffer.readInt32BE(0) : 1 + c.buffer.readInt32BE(1);
      if (length < (startup ? 8 : 5)) return void c.socket.destroy(); // not the Postgres protocol
      if (c.buffer.length < length) return;
      const msg = Buffer.from(c.buffer.subarray(0, length));
      c.buffer = c.buffer.subarray(length);
      if (!startup) {
        if (msg[0] === 0x58 /* Terminate */) return void c.socket.end();
        c.inbox.push(msg);
        enqueue(c);
        continue;
      }
      const code = msg.readInt32BE(4);
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
        c.socket.write("N");
        continue;
      }
      if (code !== PROTOCOL_3) return void c.socket.destroy(); // CancelRequest (unsupported) or an old protocol
      const fields = msg.toString("utf8", 8).split("\0");
      for (let i = 0; fields[i]; i += 2) c.params.set(fields[i] ?? "", fields[i + 1] ?? "");
      c.phase = "login";
      enqueue(c);
    }
  }

  function enqueue(c: Client): void {
    if (c !== owner && !waiting.includes(c)) {
      waiting.push(c);
      c.timer = setTimeout(() => {
        waiting.splice(waiting.indexOf(c), 1);
        const text = `pglite: waited ${queueTimeoutMs} ms for another connection's transaction (PGlite runs one transaction at a time)`;
        c.socket.end(errorPacket("FATAL", "08P01", text));
      }, queueTimeoutMs);
    }
    kick();
  }

  function kick(): void {
    pumping ??= run();
  }

  async function run(): Promise<void> {
    try {
      await pump();
    } catch (error: unknown) {
      if (error instanceof Error && "severity" in error && !db.closed) {
        // one of our own statements failed (PGlite is fine): drop the connection it was for
        console.error("pglite: internal statement failed:", error.message);
        owner?.socket.destroy(); // its close event rolls back and cleans up
        pumping = null;
        return kick();
      }
      const failed = error instanceof Error ? error : new Error(String(error));
      failure = failed;
      console.error("pglite: the embedded Postgres failed; restart it.", failed);
      for (const c of clients) c.socket.end(errorPacket("FATAL", "XX000", `pglite failed: ${failed.message}`));
    }
    pumping = null;
  }

  /** The only code that talks to PGlite while serving: one step at a time, in order. */
  async function pump(): Promise<void> {
    while (!stopping && !failure) {
      if (owner?.phase === "closed") {
        // its connection dropped inside a transaction or sequence: end a COPY or sequence, roll back
        await raw(Buffer.concat([packet("f", cstr("client disconnected")), packet("S")]));
        await raw(packet("Q", cstr("rollback")));
        departed.push(owner);
        owner = null;
      }
      if (owner === null) {
        const gone = departed.shift();
        if (gone) {
          await forget(gone);
          continue;
        }
        const next = waiting.shift();
        if (!next) return;
        clearTimeout(next.timer);
        if (next.phase === "login") await login(next);
        if (next.phase !== "ready" || next.inbox.length === 0) continue;
        owner = next;
        await load(next);
      }
      const c = owner;
      if (c.inbox.length === 0) return; // inside a transaction: wait for the owner's next message
      const batch = c.inbox.splice(0).map((m) => rewrite(c, m));
      c.midSequence = !ENDS_SEQUENCE.has(String.fromCharCode(batch.at(-1)?.[0] ?? 0));
      const { out, ready } = inspect(await raw(Buffer.concat(batch)));
      if (out.length > 0 && c.phase !== "closed") c.socket.write(out);
      if (ready === "I" && !c.midSequence && c.phase !== "closed") {
        owner = null;
        if (c.inbox.length > 0) enqueue(c);
      }
    }
  }

  async function login(c: Client): Promise<void> {
    const user = c.params.get("user") ?? "";
    const database = c.params.get("database") || user;
    const refuse = (code: string, text: string): void => {
      c.socket.end(errorPacket("FATAL", code, text));
    };
    if (c.params.has("replication")) return refuse("08P01", "pglite: replication connections are not supported");
    if (database !== "postgres") return refuse("3D000", `database "${database}" does not exist (PGlite serves only "postgres")`);
    await park();
    const { rows } = await db.query<{ canlogin: boolean; superuser: boolean; settings: string[] | null }>(
      `select r.rolcanlogin as canlogin, r.rolsuper as superuser,
              (select array_agg(c order by s.setrole <> 0, s.setdatabase <> 0)
                 from pg_db_role_setting s, unnest(s.setconfig) c
                where s.setrole in (0, r.oid)
                  and s.setdatabase in (0, (select oid from pg_database where datname = current_database()))) as settings
         from pg_roles r where r.rolname = $1`,
      [user],
    );
    const role = rows[0];
    if (!role) return refuse("28000", `role "${user}" does not exist`);
    if (!role.canlogin) return refuse("28000", `role "${user}" is not permitted to log in`);
    const settings = new Map(baseline.settings);
    for (const s of role.settings ?? []) settings.set(s.slice(0, s.indexOf("=")).toLowerCase(), s.slice(s.indexOf("=") + 1));
    for (const [name, value] of c.params) if (!NOT_SETTINGS.has(name)) settings.set(name.toLowerCase(), value);
    for (const m of (c.params.get("options") ?? "").matchAll(/(?:-c\s*|--)([\w.]+)=(\S*)/g))
      settings.set((m[1] ?? "").toLowerCase(), m[2] ?? "");
    c.session = { settings, user, role: "none" };
    c.phase = "ready";
    const status = [...reported].map(([name, value]) => packet("S", cstr(name), cstr(settings.get(name.toLowerCase()) ?? value)));
    c.socket.write(
      Buffer.concat([
        packet("R", int32(0)),
        ...status,
        packet("S", cstr("client_encoding"), cstr("UTF8")),
        packet("S", cstr("is_superuser"), cstr(role.superuser ? "on" : "off")),
        packet("S", cstr("session_authorization"), cstr(user)),
        packet("K", int32(c.id), int32(randomInt(2 ** 31 - 1))),
        packet("Z", Buffer.from("I")),
      ]),
    );
  }

  /** Records the current client's session if it may have changed. */
  async function save(): Promise<void> {
    if (current === null || !current.dirty || current.phase === "closed") return;
    current.session = await readSession();
    current.dirty = false;
  }

  /** Back to postgres with BASELINE (what logins and cleanup run as). */
  async function park(): Promise<void> {
    if (current === null) return;
    await save();
    // the user is named: SET SESSION AUTHORIZATION DEFAULT (and RESET) is a silent no-op in PGlite
    await db.exec(`set session authorization ${SUPERUSER}; reset all; ${BASELINE}`);
    current = null;
  }

  /** Gives the backend c's session: its settings, session user and role. */
  async function load(c: Client): Promise<void> {
    if (current === c) return;
    await save();
    const now = current === null ? baseline : current.phase === "closed" ? null : current.session;
    if (now === null || sessionKey(now) !== sessionKey(c.session)) {
      await park();
      const wanted = JSON.stringify(Object.fromEntries(c.session.settings));
      try {
        await db.query("select count(set_config(key, value, false)) from json_each_text($1)", [wanted]);
      } catch {
        for (const [name, value] of c.session.settings) await quietly("select set_config($1, $2, false)", [name, value]);
      }
      if (c.session.user !== SUPERUSER) await db.exec(`set session authorization ${ident(c.session.user)}`);
      if (c.session.role !== "none") await quietly(`set role ${ident(c.session.role)}`);
    }
    current = c;
  }

  async function forget(c: Client): Promise<void> {
    for (const alias of c.statements.values()) await quietly(`deallocate ${ident(alias)}`);
    c.statements.clear();
    if (current === c) await park();
    if (clients.size === 0 && !stopping) {
      await park();
      await db.exec("discard all"); // alone: it refuses to run in a multi-statement query
      await db.exec(`set session authorization ${SUPERUSER}; ${BASELINE}`);
    }
  }

  return {
    url: `postgresql://${SUPERUSER}@${host}:${address.port}/postgres?sslmode=disable`,
    async stop(): Promise<void> {
      if (stopping) return;
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      while (pumping) await pumping;
      await closed;
      if (!db.closed) await db.close();
    },
  };
}
