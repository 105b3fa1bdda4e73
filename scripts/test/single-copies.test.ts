// Two installed copies of Better Auth (the web app's and `@taskbridge/auth`'s) are two module
// instances: classes checked with instanceof and anything kept in module scope differ between
// them, and the copies can drift apart in version. Exactly one copy of each is installed.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const SINGLE = ["better-auth", "@better-auth/core", "@better-auth/oauth-provider", "better-call"];

describe("packages installed once", () => {
  it.each(SINGLE)("%s has exactly one installed copy", async (name) => {
    // Each line is an installed copy's directory; a deduped dependency repeats its line.
    const { stdout } = await promisify(execFile)(
      "npm",
      ["ls", name, "--all", "--parseable", "--silent"],
      { cwd: root },
    ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }));
    const copies = new Set(
      stdout
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line.endsWith(`node_modules/${name}`)),
    );
    expect([...copies], `${name}: npm ls found ${copies.size} copies`).toHaveLength(1);
  });
});
