// Post content (schema version 1) in TypeScript: the zod schema client apps and edge functions
// validate with, and contentProblem(), which names the first problem exactly as the database does
// (private.content_problem in sql/31_content.sql): same block index, same rule code, same message.
// Constants come from content-rules.json (the database's private.content_rules() is generated from
// it by npm run db:content);
// tests/fixtures/content-corpus.json and mutated documents prove both enforcers agree.
// Rules, shapes and codes: docs/content-blocks.md. Runs on Deno and Node (no runtime APIs).
import { z } from "zod";
import rules from "./content-rules.json" with { type: "json" };

export { rules as contentRules };

/** A refusal: the block index (null for the document), a stable rule code and a message to show. */
export interface ContentProblem {
  block: number | null;
  rule: string;
  message: string;
}

// Helpers shared by the schema and contentProblem ---------------------------------------------------

const encoder = new TextEncoder();
const httpsUrlPattern = new RegExp(rules.url.https_pattern);
const storagePathPattern = new RegExp(rules.url.storage_path_pattern);
const timestampPattern = new RegExp(rules.event.timestamp_pattern);
const timePattern = new RegExp(rules.schedule.time_pattern);
const unpairedSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Characters as Postgres counts them (char_length): Unicode code points, not UTF-16 units. */
export function characterCount(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

const between = (n: number, min: number, max: number) => n >= min && n <= max;
const list = (items: readonly string[]) => items.join(", ");

/** Our https URL grammar: a DNS host (no IP, port or user info), then ASCII URL characters. */
export function isHttpsUrl(candidate: string): boolean {
  if (candidate.length > rules.url.max_length || !candidate.startsWith("https://")) return false;
  // The host (up to the first / ? or #) is at most max_host_length characters, as DNS allows; the
  // database checks it before its backtracking pattern. A non-ASCII host fails the pattern anyway.
  const rest = candidate.slice(8);
  const end = rest.search(/[/?#]/);
  return (end === -1 ? rest.length : end) <= rules.url.max_host_length && httpsUrlPattern.test(candidate);
}

/** An https URL or a path in our storage bucket: post-media/<uuid>/<file>. */
export function isMediaReference(candidate: string): boolean {
  return isHttpsUrl(candidate) || (candidate.length <= rules.url.storage_path_max_length && storagePathPattern.test(candidate));
}

function urlHost(url: string): string {
  return (/^https:\/\/([^/?#]+)/.exec(url)?.[1] ?? "").toLowerCase();
}

/**
 * Microseconds since 1970-01-01T00:00Z of an ISO-8601 timestamp with a zone, or null. The pattern
 * fixes every field's position (YYYY-MM-DDTHH:MM, then [:SS[.ffffff]], then Z or ±HH:MM).
 */
export function timestampMicros(candidate: string): bigint | null {
  if (!timestampPattern.test(candidate)) return null;
  const field = (from: number, length: number) => Number(candidate.slice(from, from + length));
  const [y, mo, d, h, mi] = [field(0, 4), field(5, 2), field(8, 2), field(11, 2), field(14, 2)];
  const zoneLength = candidate.endsWith("Z") ? 1 : 6;
  const rest = candidate.slice(16, candidate.length - zoneLength); // "", ":SS" or ":SS.f…"
  const s = rest === "" ? 0 : Number(rest.slice(1, 3));
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const daysInMonth = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  if (y < 1 || daysInMonth === undefined || d < 1 || d > daysInMonth || h > 23 || mi > 59 || s > 59) return null;
  let offsetMinutes = 0;
  if (zoneLength === 6) {
    const oh = field(candidate.length - 5, 2);
    const om = field(candidate.length - 2, 2);
    if (oh > rules.event.max_offset_hours || om > 59) return null;
    offsetMinutes = (oh * 60 + om) * (candidate[candidate.length - 6] === "-" ? -1 : 1);
  }
  const day = new Date(0);
  day.setUTCFullYear(y, mo - 1, d);
  const days = Math.round(day.getTime() / 86_400_000);
  const minutes = BigInt(days) * 1440n + BigInt(h * 60 + mi - offsetMinutes);
  return (minutes * 60n + BigInt(s)) * 1_000_000n + BigInt(rest.slice(4).padEnd(6, "0"));
}

/** Bytes of the text Postgres prints for this JSON value as jsonb (content::text): what 64 KiB limits. */
export function jsonbTextBytes(value: unknown): number {
  if (value === null) return 4;
  if (typeof value === "boolean") return value ? 4 : 5;
  if (typeof value === "number") return numericTextLength(value);
  if (typeof value === "string") return jsonbStringBytes(value);
  if (Array.isArray(value)) {
    return value.reduce<number>((sum, item, i) => sum + jsonbTextBytes(item) + (i > 0 ? 2 : 0), 2);
  }
  if (typeof value === "object") {
    return Object.entries(value).reduce<number>((sum, [k, v], i) => sum + jsonbStringBytes(k) + 2 + jsonbTextBytes(v) + (i > 0 ? 2 : 0), 2);
  }
  throw new TypeError(`not a JSON value: ${typeof value}`);
}

function jsonbStringBytes(text: string): number {
  let bytes = 2;
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if (c === 0x22 || c === 0x5c || c === 8 || c === 9 || c === 10 || c === 12 || c === 13) bytes += 2;
    else if (c < 0x20) bytes += 6;
    else if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c < 0x10000) bytes += 3;
    else bytes += 4;
  }
  return bytes;
}

/** Length of numeric_out for the number Postgres parses from JSON.stringify(n): never an exponent. */
function numericTextLength(n: number): number {
  const [, sign = "", int = "", frac = "", exp = "0"] = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(JSON.stringify(n)) ?? [];
  const exponent = Number(exp);
  const digits = int + frac;
  const point = int.length + exponent;
  const scale = Math.max(0, frac.length - exponent);
  const integerPart =
    point <= 0
      ? "0"
      : digits
          .slice(0, point)
          .padEnd(point, "0")
          .replace(/^0+(?=\d)/, "") || "0";
  return sign.length + integerPart.length + (scale > 0 ? 1 + scale : 0);
}

/** Postgres prints and orders jsonb object keys shorter first (in UTF-8 bytes), then bytewise. */
function jsonbKeyOrder(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  if (x.length !== y.length) return x.length - y.length;
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  }
  return 0;
}

function unknownKeys(label: string, keys: readonly string[]): string {
  const named = [...keys].sort(jsonbKeyOrder).map((k) => JSON.stringify(k));
  return `unknown ${label}${named.length > 1 ? "s" : ""} ${named.join(", ")}`;
}

/**
 * True when arrays and objects nest deeper than `max` levels (the root is level 1), as the database's
 * bounded jsonpath walk decides. Iterative and bounded: never recurses, never looks below level max + 1,
 * so a document nested thousands deep (or a cyclic object) costs no more than a flat one.
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, level] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== "object") continue;
    if (level > max) return true;
    const children = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) stack.push([child, level + 1]);
  }
  return false;
}

const tooDeepMessage = `content: arrays and objects nest at most ${rules.document.max_depth} levels deep`;

/** jsonb cannot hold U+0000 or an unpaired surrogate: Postgres refuses the JSON before any rule runs. */
const unstorable = (text: string) => text.includes("\u0000") || unpairedSurrogate.test(text);

function hasUnsupportedCharacter(value: unknown): boolean {
  if (typeof value === "string") return unstorable(value);
  if (Array.isArray(value)) return value.some(hasUnsupportedCharacter);
  if (value !== null && typeof value === "object") {
    return Object.entries(value).some(([k, v]) => unstorable(k) || hasUnsupportedCharacter(v));
  }
  return false;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The row index of a schedule issue: the number after "value" in its path. */
function rowAt(path: readonly PropertyKey[] | undefined): string {
  const p = path ?? [];
  const i = p.lastIndexOf("value");
  return `value[${String(p[i + 1])}]`;
}

// The schema ---------------------------------------------------------------------------------------
// Issues carry the rule in params.rule where a location has several rules; contentProblem derives the
// others from the issue's path (docs/content-blocks.md lists every code).

const ruled = (rule: string) => ({ params: { rule } });
const objectError =
  (notObject: string, unknown: (keys: readonly string[]) => string) => (issue: { code?: string; keys?: readonly string[] }) =>
    issue.code === "unrecognized_keys" ? unknown(issue.keys ?? []) : notObject;

function boundedText(min: number, max: number, message: string | ((issue: { path?: PropertyKey[] }) => string)) {
  return z.string({ error: message }).refine((s) => between(characterCount(s), min, max), { error: message });
}

/** The name rule (private.is_plain_text in the database): no control, bidi or invisible characters. */
const nameForbidden = new RegExp(rules.names.forbidden_pattern, "u");
export const isPlainName = (s: string) => !nameForbidden.test(s);

/** A title or label: bounded like boundedText, then the name rule under the same rule code. */
function nameText(
  min: number,
  max: number,
  message: string | ((issue: { path?: PropertyKey[] }) => string),
  plainMessage: string | ((issue: { path?: PropertyKey[] }) => string),
) {
  return boundedText(min, max, message).refine(isPlainName, { error: plainMessage });
}

function blockMeta<S extends z.core.$ZodLooseShape>(type: keyof typeof rules.meta_keys, shape: S) {
  const allowed = rules.meta_keys[type];
  return z.strictObject(shape, {
    error: objectError(
      "meta must be a JSON object",
      (keys) => `${unknownKeys("meta key", keys)}; allowed: ${allowed.length ? list(allowed) : "none"}`,
    ),
  });
}

function block<T extends string, V extends z.ZodType, M extends z.ZodType>(type: T, value: V, meta: M) {
  return z.strictObject(
    { type: z.literal(type), value, meta: meta.optional() },
    { error: objectError("a block must be a JSON object", (keys) => `${unknownKeys("key", keys)}; a block has only type, value and meta`) },
  );
}

const textMessage = (s: unknown) =>
  `value must be ${rules.text.min_length}–${rules.text.max_length} characters, not ${typeof s === "string" ? characterCount(s) : 0}`;

const markdownDestinations = rules.markdown.destination_patterns.map((p) => new RegExp(p, "g"));
const markdownAutolink = new RegExp(rules.markdown.autolink_pattern, "g");
const markdownObfuscation = new RegExp(rules.markdown.obfuscation_pattern);
const allowedSchemes = new Set(rules.markdown.allowed_schemes);
const linkMessage =
  "a markdown link or image must point to an http, https or mailto URL or a relative path, without entities, escapes or control characters in its scheme";

/** True when a markdown link or image destination has a refused scheme (javascript:, data:, …) or hides one. */
export function hasUnsafeMarkdownLink(text: string): boolean {
  for (const pattern of markdownDestinations) {
    for (const m of text.matchAll(pattern)) {
      const destination = m[1] ?? "";
      if (markdownObfuscation.test(destination)) return true;
      const colon = destination.indexOf(":");
      if (colon >= 0 && !allowedSchemes.has(destination.slice(0, colon).toLowerCase())) return true;
    }
  }
  for (const m of text.matchAll(markdownAutolink)) {
    if (!allowedSchemes.has((m[1] ?? "").toLowerCase())) return true;
  }
  return false;
}

const mentionUserId = new RegExp(rules.mentions.user_id_pattern);
const mentionsMessage = `meta.mentions must be an array of at most ${rules.mentions.max_count} spans {user_id, start, end}: user_id a uuid, 0 ≤ start < end ≤ the value's length in characters, in order and not overlapping`;

/** True when meta.mentions (issue 17) is a list of ordered, non-overlapping spans of people by id inside the text. */
export function validMentionSpans(spans: unknown, text: string): boolean {
  if (!Array.isArray(spans) || spans.length > rules.mentions.max_count) return false;
  const length = characterCount(text);
  let previousEnd = 0;
  for (const span of spans) {
    if (!isPlainObject(span)) return false;
    const keys = Object.keys(span);
    if (keys.length !== 3 || !("user_id" in span && "start" in span && "end" in span)) return false;
    const { user_id, start, end } = span as { user_id: unknown; start: unknown; end: unknown };
    if (typeof user_id !== "string" || !mentionUserId.test(user_id)) return false;
    if (typeof start !== "number" || typeof end !== "number" || !Number.isInteger(start) || !Number.isInteger(end)) return false;
    if (start < previousEnd || start >= end || end > length) return false;
    previousEnd = end;
  }
  return true;
}

export const textBlock = block(
  "text",
  z.string({ error: "value must be a string" }).refine((s) => between(characterCount(s), rules.text.min_length, rules.text.max_length), {
    ...ruled("text.length"),
    error: (issue) => textMessage(issue.input),
  }),
  blockMeta("text", {
    format: z.enum(rules.text.formats as ["plain", "markdown"], { error: "meta.format must be plain or markdown" }).optional(),
    mentions: z.unknown().optional(),
  }),
).superRefine((b, ctx) => {
  if (b.meta?.format === "markdown" && typeof b.value === "string" && hasUnsafeMarkdownLink(b.value)) {
    ctx.addIssue({ code: "custom", message: linkMessage, path: ["value"], params: { rule: "text.link" } });
  }
  if (b.meta !== undefined && "mentions" in b.meta && typeof b.value === "string" && !validMentionSpans(b.meta.mentions, b.value)) {
    ctx.addIssue({ code: "custom", message: mentionsMessage, path: ["meta", "mentions"], params: { rule: "text.mentions" } });
  }
});

const mediaValueMessage = "value must be an https URL or a storage path post-media/<uuid>/<file>";
const altMessage = `meta.alt must be a string of at most ${rules.media.alt_max_length} characters`;
const dimension = (name: string) => {
  const message = `meta.${name} must be an integer from 1 to ${rules.media.max_dimension}`;
  return z
    .number({ error: message })
    .refine((n) => Number.isInteger(n) && between(n, 1, rules.media.max_dimension), { error: message })
    .optional();
};

export const imageBlock = block(
  "image",
  z.string({ error: mediaValueMessage }).refine(isMediaReference, { error: mediaValueMessage }),
  blockMeta("image", {
    alt: boundedText(0, rules.media.alt_max_length, altMessage).optional(),
    width: dimension("width"),
    height: dimension("height"),
  }),
);

export const videoBlock = block(
  "video",
  z.string({ error: mediaValueMessage }).refine(isMediaReference, { error: mediaValueMessage }),
  blockMeta("video", {
    alt: boundedText(0, rules.media.alt_max_length, altMessage).optional(),
    width: dimension("width"),
    height: dimension("height"),
    autoplay: z.boolean({ error: "meta.autoplay must be true or false" }).optional(),
  }),
);

const providers = rules.embed_providers.map((p) => p.provider);
const providerMessage = `meta.provider must be one of ${list(providers)}`;

export const embedBlock = block(
  "embed",
  z.string({ error: "value must be an https URL" }).refine(isHttpsUrl, { error: "value must be an https URL" }),
  blockMeta("embed", { provider: z.enum(providers as [string, ...string[]], { error: providerMessage }) }),
).superRefine((b, ctx) => {
  if (b.meta === undefined) {
    ctx.addIssue({ code: "custom", message: providerMessage, path: ["meta", "provider"], params: { rule: "embed.provider" } });
    return;
  }
  if (typeof b.value !== "string" || !isHttpsUrl(b.value)) return;
  const hosts = rules.embed_providers.find((p) => p.provider === b.meta?.provider)?.hosts;
  const host = urlHost(b.value);
  if (hosts && !hosts.includes(host)) {
    ctx.addIssue({ code: "custom", message: `host ${host} does not match provider ${b.meta.provider}`, params: { rule: "embed.host" } });
  }
});

const timestamp = (field: "start" | "end", example: string) => {
  const message = `value.${field} must be an ISO-8601 timestamp with a zone, such as ${example}`;
  return z.string({ error: message }).refine((s) => timestampMicros(s) !== null, { error: message });
};

export const eventBlock = block(
  "event",
  z
    .strictObject(
      {
        title: nameText(
          1,
          rules.event.title_max_length,
          `value.title must be a string of 1–${rules.event.title_max_length} characters`,
          "value.title must not contain control, bidi or invisible characters",
        ),
        start: timestamp("start", "2025-09-10T18:00Z"),
        end: timestamp("end", "2025-09-10T20:00Z"),
        location: nameText(
          0,
          rules.event.location_max_length,
          `value.location must be a string of at most ${rules.event.location_max_length} characters`,
          "value.location must not contain control, bidi or invisible characters",
        ).optional(),
      },
      {
        error: objectError(
          "value must be an object {title, start, end, location?}",
          (keys) => `${unknownKeys("value key", keys)}; allowed: title, start, end, location`,
        ),
      },
    )
    .superRefine((v, ctx) => {
      const starts = timestampMicros(v.start);
      const ends = timestampMicros(v.end);
      if (starts !== null && ends !== null && ends < starts) {
        ctx.addIssue({ code: "custom", message: "value.end is before value.start", params: { rule: "event.end_before_start" } });
      }
    }),
  blockMeta("event", {}),
);

const scheduleRow = z.strictObject(
  {
    day: z.enum(rules.schedule.days as ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], {
      error: (issue) => `${rowAt(issue.path?.slice(0, -1))}.day must be one of ${list(rules.schedule.days)}`,
    }),
    time: z
      .string({ error: (issue) => `${rowAt(issue.path?.slice(0, -1))}.time must be HH:MM (00:00–23:59)` })
      .refine((s) => timePattern.test(s), { error: (issue) => `${rowAt(issue.path?.slice(0, -1))}.time must be HH:MM (00:00–23:59)` }),
    activity: nameText(
      1,
      rules.schedule.activity_max_length,
      (issue) => `${rowAt(issue.path?.slice(0, -1))}.activity must be a string of 1–${rules.schedule.activity_max_length} characters`,
      (issue) => `${rowAt(issue.path?.slice(0, -1))}.activity must not contain control, bidi or invisible characters`,
    ),
  },
  {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `${rowAt(issue.path)}: ${unknownKeys("key", issue.keys)}; allowed: day, time, activity`
        : `${rowAt(issue.path)} must be an object {day, time, activity}`,
  },
);

const rowCountMessage = (rows: unknown) =>
  `value must hold ${rules.schedule.min_rows}–${rules.schedule.max_rows} rows, not ${Array.isArray(rows) ? rows.length : 0}`;

export const scheduleBlock = block(
  "schedule",
  z
    .array(scheduleRow, { error: "value must be an array of rows {day, time, activity}" })
    .refine((rows) => between(rows.length, rules.schedule.min_rows, rules.schedule.max_rows), {
      ...ruled("schedule.row_count"),
      when: (payload) => Array.isArray(payload.value),
      error: (issue) => rowCountMessage(issue.input),
    }),
  blockMeta("schedule", {}),
);

const targetMessage = `value.target must be a number greater than 0 and at most ${rules.donation.target_max} with at most ${rules.donation.target_decimals} decimals`;
/**
 * At most `target_decimals` decimals, judged on the shortest decimal form of the double (what JSON.parse
 * made of the text): 0.07 passes, 1.005 and 1e-7 do not. Every n in (0, 10^12] of 1e-6 or more prints
 * without an exponent. The database judges the exact value; they differ only on literals a double cannot
 * hold (more than ~15 significant digits, or 1e-16383, which parses to 0 here and is refused either way).
 */
const targetDecimals = new RegExp(`^\\d+(?:\\.\\d{1,${rules.donation.target_decimals}})?$`);
const isTarget = (n: number): boolean => n > 0 && n <= rules.donation.target_max && targetDecimals.test(String(n));

export const donationBlock = block(
  "donation",
  z.strictObject(
    {
      title: nameText(
        1,
        rules.donation.title_max_length,
        `value.title must be a string of 1–${rules.donation.title_max_length} characters`,
        "value.title must not contain control, bidi or invisible characters",
      ),
      target: z.number({ error: targetMessage }).refine(isTarget, { error: targetMessage }),
      currency: z.enum(rules.donation.currencies as [string, ...string[]], {
        error: "value.currency must be an ISO-4217 currency code such as USD or EUR",
      }),
      link: z.string({ error: "value.link must be an https URL" }).refine(isHttpsUrl, { error: "value.link must be an https URL" }),
    },
    {
      error: objectError(
        "value must be an object {title, target, currency, link}",
        (keys) => `${unknownKeys("value key", keys)}; allowed: title, target, currency, link`,
      ),
    },
  ),
  blockMeta("donation", {}),
);

/** One block: {type, value, meta?}, discriminated by type. Clients render types they do not know as unsupported. */
export const contentBlock = z.discriminatedUnion(
  "type",
  [textBlock, imageBlock, videoBlock, embedBlock, eventBlock, scheduleBlock, donationBlock],
  {
    error: (issue) => (issue.code === "invalid_union" ? `type must be one of ${list(rules.block_types)}` : "a block must be a JSON object"),
  },
);

const blockCountMessage = (blocks: unknown) =>
  `content: blocks must hold ${rules.document.min_blocks}–${rules.document.max_blocks} blocks, not ${Array.isArray(blocks) ? blocks.length : 0}`;

const contentDocument = z.strictObject(
  {
    schema_version: z.literal(1, { error: `content: schema_version must be ${rules.schema_version}` }).optional(),
    blocks: z
      .array(contentBlock, { error: "content: blocks must be an array" })
      .refine((blocks) => between(blocks.length, rules.document.min_blocks, rules.document.max_blocks), {
        ...ruled("content.block_count"),
        when: (payload) => Array.isArray(payload.value),
        error: (issue) => blockCountMessage(issue.input),
      }),
  },
  {
    error: objectError(
      "content: must be a JSON object with a blocks array",
      (keys) => `content: ${unknownKeys("key", keys)}; allowed: blocks, schema_version`,
    ),
  },
);

/**
 * Post content: {"schema_version"?: 1, "blocks": [1–50 blocks]}, at most 64 KiB as jsonb text.
 * Validates a parsed JSON value; contentProblem() judges what a client would send.
 */
export const postContent = z
  .unknown()
  .superRefine((content, ctx) => {
    if (!isPlainObject(content)) return;
    if (nestsDeeperThan(content, rules.document.max_depth)) {
      ctx.addIssue({ code: "custom", message: tooDeepMessage, params: { rule: "content.too_deep" } });
      return;
    }
    if (hasUnsupportedCharacter(content)) {
      ctx.addIssue({
        code: "custom",
        message: "content: contains U+0000 or an unpaired surrogate, which Postgres cannot store",
        params: { rule: "content.unsupported_character" },
      });
      return;
    }
    const size = jsonbTextBytes(JSON.parse(JSON.stringify(content)));
    if (size > rules.document.max_bytes) {
      ctx.addIssue({
        code: "custom",
        message: `content: is ${size} bytes; at most ${rules.document.max_bytes} are allowed`,
        params: { rule: "content.too_large" },
      });
    }
  })
  .pipe(contentDocument);

export type PostContent = z.output<typeof postContent>;
export type ContentBlock = z.output<typeof contentBlock>;

// Issues to problems --------------------------------------------------------------------------------

const rank = new Map(rules.rules.map((rule, i) => [rule, i]));
const rowRules = new Set(["schedule.row", "schedule.row_unknown_key", "schedule.day", "schedule.time", "schedule.activity"]);

/** The rule of an issue: params.rule where set, else what its location means. */
function ruleOf(issue: z.core.$ZodIssue, content: unknown): string {
  const fromParams = (issue as { params?: { rule?: unknown } }).params?.rule;
  if (typeof fromParams === "string") return fromParams;
  const p = issue.path;
  if (p.length === 0) return issue.code === "unrecognized_keys" ? "content.unknown_key" : "content.not_object";
  if (p[0] === "schema_version") return "content.schema_version";
  if (p[0] === "blocks" && p.length === 1) return "content.blocks";
  if (p[0] === "blocks" && typeof p[1] === "number") {
    if (p.length === 2) return issue.code === "unrecognized_keys" ? "block.unknown_key" : "block.not_object";
    if (p[2] === "type") return "block.type";
    const type = String((((content as { blocks: unknown[] }).blocks[p[1]] ?? {}) as { type?: unknown }).type);
    if (p[2] === "meta" && p.length === 3) return issue.code === "unrecognized_keys" ? "block.meta_unknown_key" : "block.meta";
    if (p[2] === "meta" && p.length === 4) return `${type}.${String(p[3])}`;
    if (p[2] === "value" && p.length === 3) return issue.code === "unrecognized_keys" ? `${type}.unknown_key` : `${type}.value`;
    if (p[2] === "value" && typeof p[3] === "number") {
      if (p.length === 4) return issue.code === "unrecognized_keys" ? "schedule.row_unknown_key" : "schedule.row";
      return `schedule.${String(p[4])}`;
    }
    if (p[2] === "value" && p.length === 4) return `${type}.${String(p[3])}`;
  }
  throw new Error(`content-blocks: no rule for the issue at ${JSON.stringify(p)} (${issue.code})`);
}

function toProblem(issue: z.core.$ZodIssue, content: unknown): ContentProblem & { order: number[] } {
  const rule = ruleOf(issue, content);
  const block = issue.path[0] === "blocks" && typeof issue.path[1] === "number" ? issue.path[1] : null;
  let prefix = "";
  if (block !== null) {
    const type = (content as { blocks: ({ type?: unknown } | undefined)[] }).blocks[block]?.type;
    prefix =
      rule === "block.not_object" || rule === "block.type" ? `content.blocks[${block}]: ` : `content.blocks[${block}] (${String(type)}): `;
  }
  const position = rank.get(rule);
  if (position === undefined) throw new Error(`content-blocks: rule ${rule} is not in content-rules.json`);
  // The database checks block by block, each block's rules in order, a schedule's rows one by one.
  const row = rowRules.has(rule) && typeof issue.path[3] === "number" ? issue.path[3] : 0;
  const phase = rowRules.has(rule) ? (rank.get("schedule.row") ?? position) : position;
  return { block, rule, message: prefix + issue.message, order: [block ?? -1, phase, row, position] };
}

function byOrder(a: { order: number[] }, b: { order: number[] }): number {
  for (let i = 0; i < a.order.length; i++) {
    const d = (a.order[i] ?? 0) - (b.order[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Null when the database would accept this content, else the first problem as the database names it
 * ({block, rule, message}, equal to public.validate_content). Judges the JSON a client would send:
 * JSON.stringify(content).
 */
export function contentProblem(content: unknown): ContentProblem | null {
  // Depth first: JSON.stringify and the walks below recurse, and a deep document would overflow the stack.
  if (isPlainObject(content) && nestsDeeperThan(content, rules.document.max_depth)) {
    return { block: null, rule: "content.too_deep", message: tooDeepMessage };
  }
  let json: unknown;
  try {
    const text = JSON.stringify(content);
    json = text === undefined ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  const result = postContent.safeParse(json);
  if (result.success) return null;
  const problems = result.error.issues.map((issue) => toProblem(issue, json)).sort(byOrder);
  const first = problems[0];
  return first ? { block: first.block, rule: first.rule, message: first.message } : null;
}
