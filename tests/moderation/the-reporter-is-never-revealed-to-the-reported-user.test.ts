// The reported person never learns who reported them: after reports, an auto-hide, a sanction and an
// appeal, every table the reported user can read, every RPC about moderation, their notifications and
// the Realtime broadcasts on their topics carry no trace of the reporter. The reporter hears the
// outcome only, never the sanction's details.
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../helpers/db.ts";
import { castOf, idOf, moderate, report, rpc } from "./cast.ts";

const db = useTestDatabase();

describe("reporter anonymity", () => {
  it("no surface the reported user reads names the reporter", async () => {
    const c = await castOf(db());
    // The reporter has no other tie to the reported user but the conversation they share (a DM
    // report needs one): the scan skips only what the conversation itself shows.
    await db().admin`update private.moderation_settings set auto_hide_threshold = 2`;
    const r1 = await report(db(), c.reporter, "post", c.profilePost, "spam", "I saw this in my feed");
    await report(db(), c.reporter, "profile", idOf(c.reported), "impersonation");
    await report(db(), c.reporter, "message", c.message, "harassment");
    await report(db(), c.bystander, "post", c.profilePost, "spam");
    const logId = await moderate(db(), c.moderator, "suspend", "profile", idOf(c.reported), "impersonation", {
      until: new Date(Date.now() + 86400_000),
      report_ids: [r1],
    });
    await rpc(db(), c.reported, "appeal", { log_id: logId, statement: "it was not me" });

    const reporterId = idOf(c.reporter);
    const tables = await db().admin<{ table_name: string }[]>`
      select table_name from information_schema.role_table_grants
      where grantee = 'authenticated' and privilege_type = 'SELECT' and table_schema = 'public'
      group by table_name order by table_name`;
    // Tables that show the reporter for reasons that have nothing to do with the report: their public
    // profile, the group they are a member of, and the direct conversation they share.
    const unrelated = new Set(["profiles", "group_members", "conversations", "conversation_participants", "messages"]);
    const scanned: string[] = [];
    for (const { table_name } of tables) {
      if (unrelated.has(table_name)) continue;
      const rows = await db().request(c.reported, (tx) => tx.unsafe(`select * from public.${table_name}`));
      expect(JSON.stringify(rows), `public.${table_name}`).not.toContain(reporterId);
      scanned.push(table_name);
    }
    expect(scanned).toEqual(expect.arrayContaining(["reports", "moderation_log", "notifications", "appeals", "suspensions", "group_bans"]));
    // The moderation tables show the reported user their sanction, and no report at all.
    expect(await db().request(c.reported, (tx) => tx`select 1 from public.reports`)).toEqual([]);
    const account = await rpc(db(), c.reported, "my_account");
    expect(JSON.stringify(account)).not.toContain(reporterId);
    // Realtime: what was broadcast to the reported user's own topic.
    const broadcasts = await db().admin`select payload from realtime.messages where topic = ${`user:${idOf(c.reported)}`}`;
    expect(broadcasts.length).toBeGreaterThan(0);
    expect(JSON.stringify(broadcasts)).not.toContain(reporterId);
    // The DM topic carries the removal without a reporter either.
    const dm = await db()
      .admin`select payload from realtime.messages where topic = ${`dm:${c.conversationId}`} and event like 'message_re%'`;
    expect(JSON.stringify(dm)).not.toContain("harassment");
  });

  it("the reporter hears the outcome only", async () => {
    const c = await castOf(db());
    const r = await report(db(), c.reporter, "post", c.profilePost, "spam");
    await moderate(db(), c.moderator, "suspend", "profile", idOf(c.reported), "secret details of the sanction", { report_ids: [r] });
    const notes = await db().request(
      c.reporter,
      (tx) => tx`select kind, actor_id, subject_id, data from public.notifications where kind = 'report_resolved'`,
    );
    expect(notes).toEqual([
      {
        kind: "report_resolved",
        actor_id: null,
        subject_id: r,
        data: { report_id: r, target_kind: "post", status: "actioned", outcome: "actioned" },
      },
    ]);
    const [own] = await db().request(c.reporter, (tx) => tx`select status, outcome from public.reports where id = ${r}`);
    expect(own).toEqual({ status: "actioned", outcome: "suspend" });
    expect(JSON.stringify(notes)).not.toContain("secret");
    expect(await db().request(c.reporter, (tx) => tx`select 1 from public.moderation_log`)).toEqual([]);
    expect(await db().request(c.reporter, (tx) => tx`select 1 from public.suspensions`)).toEqual([]);
  });
});
