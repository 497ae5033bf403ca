// `npm run bench:ab`: --help prints the options and exits 0; a missing database or variant, a clashing
// variant name, an unknown reader kind or a bad number is named and exits 2, before it connects anywhere.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../scripts/lib/migrations.ts";

function ab(...args: string[]) {
  return spawnSync("npm", ["run", "--silent", "bench:ab", "--", ...args], { cwd: repoRoot, encoding: "utf8", timeout: 60_000 });
}

describe("npm run bench:ab", () => {
  it("prints its options with --help and exits 0", () => {
    const result = ab("--help");
    expect(result.status).toBe(0);
    for (const option of ["--db", "--variant", "--readers", "--rounds", "--scale", "read-only"]) expect(result.stdout).toContain(option);
  });

  it("refuses to run without a database or without a variant, naming both", () => {
    for (const args of [
      ["--variant", "home=select 1"],
      ["--db", "threads_bench"],
      ["--db", "threads_bench", "--variant", "nameless"],
    ]) {
      const result = ab(...args);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain("--db and at least one --variant name=statement are required");
    }
  });

  it("refuses a reader kind it does not know", () => {
    const result = ab("--db", "threads_bench", "--variant", "home=select 1", "--readers", "everyone");
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("--readers is typical, heavy or light, not everyone");
  });

  it("refuses a variant named like the baseline or like another variant", () => {
    for (const args of [
      ["--variant", "pk_select=select 1"],
      ["--variant", "a=select 1", "--variant", "a=select 2"],
    ]) {
      const result = ab("--db", "threads_bench", ...args);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain("variant names are distinct and not pk_select");
    }
  });

  it("refuses rounds and scales that are not positive numbers", () => {
    for (const [option, value, message] of [
      ["--rounds", "0", "--rounds is a whole number of at least 1, not 0"],
      ["--rounds", "two", "--rounds is a whole number of at least 1, not two"],
      ["--scale", "0", "--scale is a positive number, not 0"],
    ] as const) {
      const result = ab("--db", "threads_bench", "--variant", "a=select 1", option, value);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(message);
    }
  });

  it("refuses an unknown option, or an option without its value, naming it", () => {
    for (const [args, named] of [
      [["--recrod"], "--recrod"],
      [["--scale", "-1"], "--scale"],
    ] as const) {
      const result = ab("--db", "threads_bench", "--variant", "a=select 1", ...args);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(named);
      expect(result.stderr).not.toContain("node:internal");
    }
  });
});
