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
 * What PGlite cannot do that a Supabase schema may need (verified against 0.3.14):
 *   - Extensions: only those shipped as PGlite bundles. Loaded here: pgtap, pg_trgm, citext,
 *     uuid-ossp, btree_gist, btree_gin, fuzzystrmatch, unaccent, hstore, ltree, vector. Absent:
 *     pgcrypto (no crypt()/gen_salt(); gen_random_uuid() is core and works), pg_cron, pg_net,
 *     pgmq, plpgsql_check (so `supabase db lint` cannot run here), pg_stat_statements, pgjwt,
 *     pg_graphql, pgsodium/supabase_vault, postgis.
 *   - One backend, so transactions run strictly one after another: no lock waits, no deadlocks,
 *     no serialization failures, SKIP LOCKED never skips. A client that holds a transaction open
 *     while it waits for another connection blocks until queueTimeoutMs. Queries cannot be
 *     cancelled (CancelRequest is dropped), and a running query blocks this Node event loop.
 *   - statement_timeout, lock_timeout and idle_in_transaction_session_timeout are accepted but
 *     never fire (pg_sleep(1) finishes under statement_timeout = 200ms): the per-role timeouts of
 *     the platform bootstrap have no effect.
 *   - Logins are emulated with SET SESSION AUTHORIZATION: passwords are not checked, role settings
 *     (ALTER ROLE ... SET) are applied at login, but `RESET SESSION AUTHORIZATION` turns any
 *     connection back into the superuser postgres. Not a security boundary.
 *   - Shared between connections despite the switching: temp tables, session advisory locks,
 *     LISTEN (notifications reach whichever client is running), WITH HOLD cursors, SQL-level
 *     PREPARE names (DEALLOCATE ALL drops everyone's). Only database "postgres" can be used
 *     (CREATE DATABASE works but cannot be connected to). pg_stat_activity is empty,
 *     pg_backend_pid() is 0. No replication, no logical decoding, no Realtime postgres_changes.
 *   - The server runs PostgreSQL 17.5 (Supabase projects run 15 or 17). PGlite starts with
 *     enable_seqscan=off and client_min_messages=debug3; this server resets sessions to
 *     enable_seqscan=on, client_min_messages=notice.
 *   - The data directory has no lock: never open it from two processes at once (the port is bound
 *     before the data directory is opened, so a second `npm run dev` on the same port fails
 *     first). A killed process recovers from WAL on the next start; stop() shuts down cleanly.
 */
import { randomInt } from "node:crypto";
import { mkdir } from "node:fs/promises";
import net from "node:net";
import { PGlite } from "@electric-sql/pglite";
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

interface Client {
  readonly id: number;
  readonly socket: net.Socket;
  phase: "startup" | "login" | "ready" | "closed";
  buffer: Buffer;
  params: Map<string, string>;
  inbox: Buffer[];
  midSequence: boolean;
  /** session state restored whenever this client gets the backend */
  settings: [string, string][];
  sessionUser: string;
  role: string;
  statements: Map<string, string>;
  timer: NodeJS.Timeout | undefined;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const PROTOCOL_3 = 196608;
const SUPERUSER = "postgres";
/** PGlite's own startup values differ from a stock server (search_path = pg_catalog, enable_seqscan = off,
 * client_min_messages = debug3 on the first start, TimeZone = GMT): every session starts from these. */
const BASELINE = `set search_path = "$user", public; set client_min_messages = notice; set enable_seqscan = on; set timezone = 'UTC';`;
/** messages after which the backend answers with ReadyForQuery: Sync, Query, FunctionCall, CopyDone, CopyFail */
const ENDS_SEQUENCE = new Set(["S", "Q", "F", "c", "f"]);
const REPORTED = [
  "server_version",
  "server_encoding",
  "client_encoding",
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

const cstr = (s: string): Buffer => Buffer.from(`${s}\0`, "utf8");
const ident = (s: string): string => `"${s.replaceAll('"', '""')}"`;

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

/** The status byte of the output's final message if it is ReadyForQuery. */
function finalReadyStatus(out: Buffer): string | null {
  let at = 0;
  let status: string | null = null;
  while (at + 5 <= out.length) {
    const next = at + 1 + out.readInt32BE(at + 1);
    status = out[at] === 0x5a && next <= out.length ? String.fromCharCode(out[at + 5] ?? 0) : null;
    at = next;
  }
  return status;
}

/** Renames a client's named prepared statements so that clients cannot collide. */
function renameStatements(c: Client, msg: Buffer): Buffer {
  const type = String.fromCharCode(msg[0] ?? 0);
  const alias = (name: string): string => {
    if (name === "") return name;
    let a = c.statements.get(name);
    if (a === undefined) {
      a = `pglite${c.id}_${c.statements.size}`;
      if (type === "P") c.statements.set(name, a);
    }
    return a;
  };
  const cut = (from: number): [string, number] => {
    const end = msg.indexOf(0, from);
    return [msg.toString("utf8", from, end), end + 1];
  };
  if (type === "P") {
    const [name, rest] = cut(5);
    return packet("P", cstr(alias(name)), msg.subarray(rest));
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

export async function startPglite(opts: PgliteServerOptions): Promise<PgliteServer> {
  const host = opts.host ?? "127.0.0.1";
  const queueTimeoutMs = opts.queueTimeoutMs ?? 30_000;
  const sockets = new Set<net.Socket>();
  const clients = new Set<Client>();
  const waiting: Client[] = [];
  const departed: Client[] = [];
  let owner: Client | null = null;
  let loaded: Client | null = null;
  let status = "I";
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
    extensions: { pgtap, pg_trgm, citext, uuid_ossp, btree_gist, btree_gin, fuzzystrmatch, unaccent, hstore, ltree, vector },
  });
  await db.exec(BASELINE);
  const reported = new Map<string, string>(
    (await db.query<{ name: string; setting: string }>("select name, setting from pg_settings where name = any($1)", [REPORTED])).rows.map(
      (r) => [r.name, r.setting] as const,
    ),
  );
  reported.set("client_encoding", "UTF8");

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
    socket.setNoDelay(true);
    const c: Client = {
      id: nextId++,
      socket,
      phase: "startup",
      buffer: Buffer.alloc(0),
      params: new Map(),
      inbox: [],
      midSequence: false,
      settings: [],
      sessionUser: SUPERUSER,
      role: "none",
      statements: new Map(),
      timer: undefined,
    };
    if (stopping || failure) {
      socket.end(errorPacket("FATAL", "57P03", failure ? `pglite failed: ${failure.message}` : "pglite is shutting down"));
      return;
    }
    clients.add(c);
    socket.on("data", (chunk: Buffer) => receive(c, chunk));
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      c.phase = "closed";
      clearTimeout(c.timer);
      clients.delete(c);
      const queued = waiting.indexOf(c);
      if (queued >= 0) waiting.splice(queued, 1);
      if (c !== owner) departed.push(c);
      kick();
    });
  }

  function receive(c: Client, chunk: Buffer): void {
    c.buffer = c.buffer.length > 0 ? Buffer.concat([c.buffer, chunk]) : chunk;
    while (c.phase !== "closed") {
      if (c.phase === "startup") {
        if (c.buffer.length < 8 || c.buffer.length < c.buffer.readInt32BE(0)) return;
        const length = c.buffer.readInt32BE(0);
        const code = c.buffer.readInt32BE(4);
        const fields = c.buffer.toString("utf8", 8, length).split("\0");
        c.buffer = c.buffer.subarray(length);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          c.socket.write("N");
          continue;
        }
        if (code !== PROTOCOL_3) return void c.socket.destroy(); // CancelRequest or an old protocol
        for (let i = 0; fields[i]; i += 2) c.params.set(fields[i] ?? "", fields[i + 1] ?? "");
        c.phase = "login";
        enqueue(c);
        continue;
      }
      if (c.buffer.length < 5 || c.buffer.length < 1 + c.buffer.readInt32BE(1)) return;
      const end = 1 + c.buffer.readInt32BE(1);
      const msg = Buffer.from(c.buffer.subarray(0, end));
      c.buffer = c.buffer.subarray(end);
      if (msg[0] === 0x58 /* Terminate */) return void c.socket.end();
      c.inbox.push(msg);
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
        // its connection dropped mid-transaction: end the extended-protocol sequence and roll back
        if (owner.midSequence) status = finalReadyStatus(await raw(packet("S"))) ?? status;
        if (status !== "I") await raw(packet("Q", cstr("rollback")));
        status = "I";
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
        owner = next;
        if (next.phase === "login" && !(await login(next))) {
          owner = null;
          continue;
        }
        if (next.inbox.length === 0) {
          owner = null;
          continue;
        }
        if (loaded !== next) await load(next);
      }
      const c = owner;
      if (c.inbox.length === 0) return; // mid-transaction: wait for more input from the owner
      const batch = c.inbox.splice(0).map((m) => renameStatements(c, m));
      c.midSequence = !ENDS_SEQUENCE.has(String.fromCharCode(batch.at(-1)?.[0] ?? 0));
      const out = await raw(Buffer.concat(batch));
      const ready = finalReadyStatus(out);
      if (ready !== null) status = ready;
      if (out.length > 0 && c.phase !== "closed") c.socket.write(out);
      if (ready === "I" && !c.midSequence && c.phase !== "closed") {
        owner = null;
        if (c.inbox.length > 0) enqueue(c);
      }
    }
  }

  async function login(c: Client): Promise<boolean> {
    const user = c.params.get("user") ?? "";
    const database = c.params.get("database") || user;
    const refuse = (code: string, text: string): false => {
      c.socket.end(errorPacket("FATAL", code, text));
      return false;
    };
    if (c.params.has("replication")) return refuse("08P01", "pglite: replication connections are not supported");
    if (database !== "postgres") return refuse("3D000", `database "${database}" does not exist (PGlite serves only "postgres")`);
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
    const settings = (role.settings ?? []).map((s): [string, string] => {
      const eq = s.indexOf("=");
      return [s.slice(0, eq), s.slice(eq + 1)];
    });
    for (const [name, value] of c.params) if (!NOT_SETTINGS.has(name)) settings.push([name, value]);
    for (const m of (c.params.get("options") ?? "").matchAll(/(?:-c\s*|--)([\w.]+)=(\S*)/g)) settings.push([m[1] ?? "", m[2] ?? ""]);
    c.settings = settings;
    c.sessionUser = user;
    c.phase = "ready";
    const own = new Map(settings);
    const params = [...reported].map(([name, value]) => packet("S", cstr(name), cstr(own.get(name) ?? value)));
    c.socket.write(
      Buffer.concat([
        packet("R", int32(0)),
        ...params,
        packet("S", cstr("is_superuser"), cstr(role.superuser ? "on" : "off")),
        packet("S", cstr("session_authorization"), cstr(user)),
        packet("K", int32(c.id), int32(randomInt(2 ** 31 - 1))),
        packet("Z", Buffer.from("I")),
      ]),
    );
    return true;
  }

  /** Saves the loaded client's session and puts c's session in its place. */
  async function load(c: Client): Promise<void> {
    if (loaded !== null && loaded.phase !== "closed") {
      const { rows } = await db.query<{ settings: [string, string][]; role: string; session_user: string }>(
        `select coalesce(json_agg(json_build_array(name, current_setting(name))), '[]') as settings,
                current_setting('role') as role, session_user::text as session_user
           from pg_settings where source = 'session'`,
      );
      const saved = rows[0];
      if (saved) {
        loaded.settings = saved.settings;
        loaded.role = saved.role;
        loaded.sessionUser = saved.session_user;
      }
    }
    // explicit: SET SESSION AUTHORIZATION DEFAULT (and RESET) is a silent no-op in PGlite
    await db.exec(`set session authorization ${SUPERUSER}; reset all; ${BASELINE}`);
    for (const [name, value] of c.settings) await quietly("select set_config($1, $2, false)", [name, value]);
    if (c.sessionUser !== SUPERUSER) await db.exec(`set session authorization ${ident(c.sessionUser)}`);
    if (c.role !== "none") await quietly(`set role ${ident(c.role)}`);
    loaded = c;
  }

  async function forget(c: Client): Promise<void> {
    for (const alias of c.statements.values()) await quietly(`deallocate ${ident(alias)}`);
    c.statements.clear();
    if (loaded === c) loaded = null;
    if (clients.size === 0) {
      await db.exec("discard all"); // not in a multi-statement query: it refuses transaction blocks
      await db.exec(`set session authorization ${SUPERUSER}; ${BASELINE}`);
      loaded = null;
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
