// Pins the surface the messaging domain adds: RLS, the exact privileges of each API role (column by
// column where they write), the policies, who may execute its functions, the indexes behind its
// policies and keysets, and the comments PostgREST publishes.
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../helpers/db.ts";
import { tablePrivileges } from "../helpers/surface.ts";

const db = useTestDatabase();
const tables = ["conversation_participants", "conversations", "messages"];
const roles = ["anon", "authenticated", "service_role"];
const rpcs = [
  "accept_message_request(uuid)",
  "conversation_messages(uuid,text,integer)",
  "decline_message_request(uuid)",
  "delete_message(uuid)",
  "mark_conversation_read(uuid)",
  "my_conversations(text,integer,boolean)",
  "start_conversation(uuid)",
];

describe("the messaging tables", () => {
  it("have row level security enabled", async () => {
    const rows = await db().admin<{ relname: string; relrowsecurity: boolean }[]>`
      select relname, relrowsecurity from pg_class where oid = any (${tables.map((t) => `public.${t}`)}::regclass[]) order by 1`;
    expect(rows.map((r) => [r.relname, r.relrowsecurity])).toEqual(tables.map((t) => [t, true]));
  });

  it("grant each API role exactly these privileges (writes column by column); anon gets nothing", async () => {
    const actual: Record<string, Record<string, string[]>> = {};
    for (const role of roles) {
      actual[role] = {};
      for (const table of tables) (actual[role] as Record<string, string[]>)[table] = await tablePrivileges(db(), role, table);
    }
    expect(actual).toEqual({
      anon: { conversation_participants: [], conversations: [], messages: [] },
      authenticated: {
        conversation_participants: ["SELECT"],
        conversations: ["SELECT"],
        messages: ["INSERT(conversation_id,body)", "SELECT", "UPDATE(body)"],
      },
      service_role: {
        conversation_participants: ["SELECT"],
        conversations: ["DELETE", "SELECT"],
        messages: ["DELETE", "INSERT", "SELECT", "UPDATE"],
      },
    });
  });

  it("have exactly these policies, one per operation and role, all for authenticated", async () => {
    const rows = await db().admin<{ t: string; cmd: string; roles: string[] }[]>`
      select tablename as t, cmd, roles::text[] as roles from pg_policies
      where schemaname = 'public' and tablename = any (${tables}) order by 1, 2`;
    expect(rows.map((r) => [r.t, r.cmd, r.roles])).toEqual([
      ["conversation_participants", "SELECT", ["authenticated"]],
      ["conversations", "SELECT", ["authenticated"]],
      ["messages", "INSERT", ["authenticated"]],
      ["messages", "SELECT", ["authenticated"]],
      ["messages", "UPDATE", ["authenticated"]],
    ]);
  });

  it("keep one policy per operation and role on realtime.messages, for every topic family", async () => {
    const rows = await db().admin<{ cmd: string; role: string; n: number }[]>`
      select cmd, r as role, count(*)::int as n from pg_policies cross join unnest(roles) r
      where schemaname = 'realtime' and tablename = 'messages' group by 1, 2 order by 1, 2`;
    expect(rows.map((r) => ({ ...r }))).toEqual([
      { cmd: "INSERT", role: "authenticated", n: 1 },
      { cmd: "SELECT", role: "authenticated", n: 1 },
    ]);
  });

  it("index every foreign key and the columns their policies and keysets read", async () => {
    const rows = await db().admin<{ t: string; def: string }[]>`
      select c.relname as t, pg_get_indexdef(i.indexrelid) as def from pg_index i join pg_class c on c.oid = i.indrelid
      where c.oid = any (${tables.map((t) => `public.${t}`)}::regclass[])`;
    const leading = (table: string, columns: string) =>
      rows.some(
        (r) =>
          r.t === table &&
          r.def
            .replace(/ (DESC|ASC)/g, "")
            .replace(/::[\w.]+/g, "")
            .includes(`USING btree (${columns}`),
      );
    for (const [table, columns] of [
      ["conversations", "user_low"],
      ["conversations", "user_high"],
      ["conversations", "started_by"],
      ["conversation_participants", "conversation_id"],
      ["conversation_participants", "user_id, conversation_id"],
      ["conversation_participants", "user_id, last_message_at, conversation_id) WHERE (state = 'accepted'"],
      ["conversation_participants", "user_id, last_message_at, conversation_id) WHERE (state = 'request'"],
      ["conversation_participants", "other_user_id"],
      ["messages", "conversation_id, seq"],
      ["messages", "sender_id"],
    ] as const) {
      expect(leading(table, columns), `${table} (${columns})`).toBe(true);
    }
  });

  it("let only authenticated call the messaging RPCs, all security invoker with an empty search_path", async () => {
    const rows = await db().admin<{ fn: string; definer: boolean; config: string[]; anon: boolean; auth: boolean; service: boolean }[]>`
      select p.oid::regprocedure::text as fn, p.prosecdef as definer, p.proconfig as config,
        has_function_privilege('anon', p.oid, 'execute') as anon,
        has_function_privilege('authenticated', p.oid, 'execute') as auth,
        has_function_privilege('service_role', p.oid, 'execute') as service
      from pg_proc p where p.oid = any (${rpcs.map((f) => `public.${f}`)}::regprocedure[]) order by 1`;
    expect(rows).toHaveLength(rpcs.length);
    for (const row of rows) {
      expect({ ...row, fn: undefined }).toEqual({
        fn: undefined,
        definer: false,
        config: ['search_path=""'],
        anon: false,
        auth: true,
        service: false,
      });
    }
  });

  it("keep the private functions behind them out of anon's reach", async () => {
    const rows = await db().admin<{ fn: string }[]>`
      select p.oid::regprocedure::text as fn from pg_proc p
      where p.pronamespace = 'private'::regnamespace
        and p.proname in ('my_conversation_ids', 'can_use_dm_topic', 'dm_refusal', 'start_conversation', 'delete_message',
                          'accept_message_request', 'decline_message_request', 'mark_conversation_read')
        and has_function_privilege('anon', p.oid, 'execute')`;
    expect(rows).toEqual([]);
  });

  it("document every table, column, type and function with a comment", async () => {
    const rows = await db().admin<{ object: string }[]>`
      select 'column ' || c.relname || '.' || a.attname as object from pg_class c join pg_attribute a on a.attrelid = c.oid
        where c.oid = any (${tables.map((t) => `public.${t}`)}::regclass[]) and a.attnum > 0 and not a.attisdropped
          and col_description(c.oid, a.attnum) is null
      union all
      select 'table ' || t from unnest(${tables}::text[]) t where obj_description(('public.' || t)::regclass, 'pg_class') is null
      union all
      select 'type ' || t from unnest(array['conversation_state', 'conversation_list_item', 'message_list_item']) t
        where obj_description(('public.' || t)::regtype, 'pg_type') is null
      union all
      select 'function ' || p.oid::regprocedure::text from pg_proc p
        where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace) and obj_description(p.oid, 'pg_proc') is null`;
    expect(rows).toEqual([]);
  });
});
