// npm run docs:check: every ```ts block of README.md and docs/*.md is type-checked against
// types/database.ts, so a wrong RPC name, argument, table or column in the docs fails `npm test`.
// Each block becomes a module of its own in .dev/doc-snippets/: a shared preamble (the typed client
// `supabase` and the placeholder values the snippets use), then the block inside `{ … }` so it may
// declare names of its own (imports of supabase-js and of the Database type are the preamble's).
// tsc runs once over all of them with strict settings; errors are reported at the docs' own lines.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { repoRoot } from "./lib/migrations.ts";

const outDir = join(repoRoot, ".dev/doc-snippets");
const fromOutDir = (path: string) => relative(outDir, join(repoRoot, path)).split("\\").join("/");
const typesModule = fromOutDir("types/database");
/** Edge-function snippets import the shared modules as a function does: ../_shared/<file>. */
const sharedImport = (text: string) => text.replace(/from "\.\.\/_shared\//, `from "${fromOutDir("functions/_shared")}/`);

/** Values the snippets may use without defining them: ids, credentials, UI callbacks. */
const placeholders = [
  "declare const SUPABASE_URL: string;",
  "declare const SUPABASE_PUBLISHABLE_KEY: string;",
  "declare const email: string;",
  "declare const password: string;",
  "declare const userId: string;",
  "declare const otherUserId: string;",
  "declare const groupId: string;",
  "declare const postId: string;",
  "declare const commentId: string;",
  "declare const eventId: string;",
  "declare const conversationId: string;",
  "declare const messageId: string;",
  "declare const notificationId: string;",
  "declare const lastCursor: string;",
  "declare const draft: unknown;",
  "declare const file: Blob;",
  "declare const json: unknown;",
  "declare function show(payload: unknown): void;",
  "declare function append(payload: unknown): void;",
  "declare function replace(payload: unknown): void;",
  "declare function tombstone(payload: unknown): void;",
  "declare function showTyping(payload: unknown): void;",
];

const preamble = [
  `import { createClient, type WebSocketLikeConstructor } from "@supabase/supabase-js";`,
  `import type { Database } from "${typesModule}";`,
  "declare const supabase: ReturnType<typeof createClient<Database>>;",
  ...placeholders,
];

/** Imports the preamble already makes; any other import line is kept, above the block. */
const providedImport = /^import\s+(type\s+)?\{[^}]*\}\s+from\s+"(@supabase\/supabase-js|[./]*types\/database(\.ts)?)";?\s*$/;

interface Snippet {
  doc: string;
  /** 1-based line in the doc of the snippet's first line. */
  line: number;
  code: string[];
}

function snippetsOf(doc: string): Snippet[] {
  const lines = readFileSync(join(repoRoot, doc), "utf8").split("\n");
  const found: Snippet[] = [];
  let current: Snippet | undefined;
  lines.forEach((text, i) => {
    if (!current && /^```(ts|typescript)\s*$/.test(text)) {
      current = { doc, line: i + 2, code: [] };
    } else if (current && /^```\s*$/.test(text)) {
      found.push(current);
      current = undefined;
    } else if (current) {
      current.code.push(text);
    }
  });
  if (current) throw new Error(`${doc}:${current.line - 1}: a \`\`\`ts block is not closed`);
  return found;
}

const docs = [
  "README.md",
  ...readdirSync(join(repoRoot, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`),
];
const snippets = docs.flatMap(snippetsOf);

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
/** Per generated file: the doc line of each generated line (undefined for preamble lines). */
const origins = new Map<string, { doc: string; lines: (number | undefined)[] }>();
snippets.forEach((s, n) => {
  const file = `${String(n + 1).padStart(3, "0")}-${s.doc.replace(/[^A-Za-z0-9]+/g, "-")}-L${s.line}.ts`;
  const out: string[] = [...preamble];
  const lines: (number | undefined)[] = preamble.map(() => undefined);
  s.code.forEach((text, k) => {
    if (providedImport.test(text)) return;
    if (/^import\s/.test(text)) {
      out.unshift(sharedImport(text));
      lines.unshift(s.line + k);
    }
  });
  out.push("{");
  lines.push(undefined);
  s.code.forEach((text, k) => {
    const kept = providedImport.test(text) || /^import\s/.test(text) ? "" : text;
    out.push(kept);
    lines.push(s.line + k);
  });
  out.push("}", "export {};");
  lines.push(undefined, undefined);
  writeFileSync(join(outDir, file), `${out.join("\n")}\n`);
  origins.set(file, { doc: s.doc, lines });
});

writeFileSync(
  join(outDir, "tsconfig.json"),
  JSON.stringify(
    {
      compilerOptions: {
        target: "ES2022",
        module: "ESNext",
        moduleResolution: "Bundler",
        lib: ["ES2022", "DOM"],
        strict: true,
        noUncheckedIndexedAccess: true,
        exactOptionalPropertyTypes: false,
        noEmit: true,
        skipLibCheck: true,
        allowImportingTsExtensions: true,
        resolveJsonModule: true,
        types: [],
      },
      include: ["*.ts"],
    },
    null,
    2,
  ),
);

const tsc = spawnSync(join(repoRoot, "node_modules/.bin/tsc"), ["-p", join(outDir, "tsconfig.json")], {
  cwd: outDir,
  encoding: "utf8",
});
const output = `${tsc.stdout ?? ""}${tsc.stderr ?? ""}`;
// file.ts(12,5): error TS… → docs/x.md:40:5: error TS…
const mapped = output.replace(/^([^\s(]+\.ts)\((\d+),(\d+)\)/gm, (whole, file: string, line: string, col: string) => {
  const origin = origins.get(file.split("/").pop() ?? file);
  const docLine = origin?.lines[Number(line) - 1];
  return origin && docLine ? `${origin.doc}:${docLine}:${col}` : whole;
});
if (tsc.status !== 0) {
  console.error(mapped.trim());
  console.error(`\ndoc snippets: type errors (${snippets.length} \`\`\`ts blocks checked; generated in ${relative(repoRoot, outDir)}/)`);
  process.exit(1);
}
console.log(`doc snippets: ${snippets.length} \`\`\`ts blocks of ${docs.length} pages type-check against types/database.ts`);
