// `npm run bench:ab`: --help prints the options and exits 0; without a database or a variant it says
// what is missing and exits 2, before it connects anywhere.
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
});
