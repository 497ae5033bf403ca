// Issue 14, finding 8: markdown text blocks may not carry javascript:, data:, vbscript: (or any scheme
// but http, https and mailto) link or image targets, nor hide a scheme behind entities, escapes or
// control characters. The database refuses them on write (text.link, 22023) and TypeScript agrees.
import { describe, expect, it } from "vitest";
import { contentProblem } from "../../functions/_shared/content-blocks.ts";
import { useTestDatabase } from "../helpers/db.ts";
import { expectDbError } from "../helpers/expect-error.ts";
import { createPost } from "../posts/fixtures.ts";

const db = useTestDatabase();

const markdown = (value: string) => [{ type: "text", value, meta: { format: "markdown" } }];

describe("markdown links", () => {
  it("refuse a javascript: target on create_post and on edit, naming text.link, as contentProblem does", async () => {
    const author = await db().newUser("md_author");
    const blocks = markdown("Hello [there](javascript:alert(document.cookie))");
    const error = await expectDbError(createPost(db(), author, { blocks }), "22023", /^content\.blocks\[0\] \(text\): a markdown link/);
    expect(JSON.parse((error as { detail?: string }).detail ?? "null")).toEqual({ block: 0, rule: "text.link" });
    expect(contentProblem({ blocks })?.message).toBe(error.message);

    const post = await createPost(db(), author, { blocks: markdown("Fine [link](https://example.org)") });
    await expectDbError(
      db().request(
        author,
        (
          tx,
        ) => tx`update public.posts set content = ${JSON.stringify({ blocks: markdown("![x](data:text/html;base64,PHNjcmlwdD4=)") })}::text::jsonb
          where id = ${post.id}`,
        { method: "PATCH" },
      ),
      "22023",
      /a markdown link or image must point to an http, https or mailto URL/,
    );
  });

  it("refuse obfuscated schemes and accept safe links, in both validators alike", async () => {
    const refused = [
      "[x](JAVASCRIPT:alert(1))",
      "[x]( \t javascript:alert(1))",
      "[x](<javascript:alert(1)>)",
      "[x](&#106;avascript:alert(1))",
      "[x](javascript&#58;alert(1))",
      "[x](java%73cript:alert(1))",
      "[x](java\\script:alert(1))",
      "[x](java\u0000script:alert(1))".replace("\u0000", "\u001f"),
      "[x](vbscript:msgbox(1))",
      "![x](data:image/svg+xml,<svg onload=alert(1)>)",
      "[x][r]\n\n   [r]: javascript:alert(1)",
      "<javascript:alert(1)>",
    ];
    const accepted = ["[x](https://a.example.org)", "[x](mailto:a@example.org)", "[x](./page)", "[x](#anchor)", "Note: data: not a link"];
    for (const value of [...refused, ...accepted]) {
      const content = { blocks: markdown(value) };
      const [row] = await db().admin<
        { p: { rule: string } | null }[]
      >`select public.validate_content(${JSON.stringify(content)}::text::jsonb) as p`;
      const expected = refused.includes(value) ? "text.link" : undefined;
      expect(row?.p?.rule, value).toBe(expected);
      expect(contentProblem(content)?.rule, value).toBe(expected);
    }
  });
});
