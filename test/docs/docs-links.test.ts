import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The docs stay true to the repository: every relative link resolves (anchors included), nothing
// points outside it, the README's quick start is the one test/cli/quick-start.test.ts runs, and
// every case id that code and tests cite has its entry in docs/threat-model.md.

const root = fileURLToPath(new URL("../../", import.meta.url));
const read = (path: string) => readFileSync(join(root, path), "utf8");
const markdownIn = (folder: string) =>
  readdirSync(join(root, folder))
    .filter((name) => name.endsWith(".md"))
    .map((name) => join(folder, name));
const pages = [
  "README.md",
  "CHANGELOG.md",
  "bench/README.md",
  ...markdownIn("docs"),
  ...markdownIn("scripts"),
  ...markdownIn("bench/results"),
];

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");

const anchorsOf = (path: string) =>
  new Set(
    read(path)
      .replace(/```[\s\S]*?```/g, "")
      .split("\n")
      .filter((line) => /^#{1,6} /.test(line))
      .map((line) => slug(line.replace(/^#+ /, ""))),
  );

function filesBelow(folder: string): string[] {
  return readdirSync(join(root, folder), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? filesBelow(join(folder, entry.name))
      : entry.name.endsWith(".ts") || entry.name.endsWith(".mjs")
        ? [join(folder, entry.name)]
        : [],
  );
}

describe("the docs", () => {
  it.each(pages)("%s: every relative link and anchor resolves", (page) => {
    const text = read(page).replace(/```[\s\S]*?```/g, "");
    const broken: string[] = [];
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      const [file, anchor] = target!.split("#") as [string, string | undefined];
      const path = file === "" ? page : relative(root, join(root, dirname(page), file));
      if (!existsSync(join(root, path))) broken.push(`${target} (no file ${path})`);
      else if (anchor !== undefined && path.endsWith(".md") && !anchorsOf(path).has(anchor))
        broken.push(`${target} (no heading #${anchor} in ${path})`);
    }
    expect(broken).toEqual([]);
  });

  it.each(pages)("%s: points nowhere outside the repository", (page) => {
    expect(read(page)).not.toMatch(/\.\.\/shared\b/);
  });

  it("no source, test, script or bench file points into ../shared (what they cite lives in docs/)", () => {
    const files = ["src", "test", "scripts", "bench/lib", "examples"].flatMap((folder) => filesBelow(folder));
    expect(files.filter((file) => /\.\.\/shared\/|shared\/research/.test(read(file)))).toEqual([]);
  });

  it("the README's quick start is the query and answers test/cli/quick-start.test.ts checks", () => {
    const readme = read("README.md");
    const quickStart = read("test/cli/quick-start.test.ts").replace(/\s+/g, " ");
    const query = /query: `(\{ model[^`]*)`/.exec(quickStart)?.[1];
    expect(query).toBeDefined();
    expect(readme).toContain(JSON.stringify({ query }));
    expect(readme).toContain("npm ci && npm start");
    expect(readme).toContain("npm ci && npm test");
    for (const [answer, checked] of [
      ['"name":"fraud-xgb","stage":"Production","latestVersion":5', 'name: "fraud-xgb", stage: "Production", latestVersion: 5'],
      ['"latest_version":5,…}', 'name: "fraud-xgb", latest_version: 5'],
    ] as const) {
      expect(readme).toContain(answer);
      expect(quickStart).toContain(checked);
    }
    expect(readme).toContain("curl -s http://127.0.0.1:4000/rest/ml/models/fraud-xgb");
    expect(quickStart).toContain("/rest/ml/models/fraud-xgb");
  });

  it("the README stays short: about 200 lines, the rest in docs/", () => {
    expect(read("README.md").split("\n").length).toBeLessThanOrEqual(220);
  });

  it("docs/threat-model.md has an entry for every case id that code and tests cite", () => {
    const cited = new Set<string>();
    for (const file of [...filesBelow("src"), ...filesBelow("test"), "scripts/soak.mjs"]) {
      for (const [id] of read(file).matchAll(/\b(?:SSE|UP|ST|LG|MT|DV|RC|DD|[AUHCFLSEBWJORP])\d{2}\b/g)) cited.add(id);
    }
    const catalogue = read("docs/threat-model.md");
    const entries = new Set(
      [...catalogue.matchAll(/^(?:\| |### )((?:SSE|UP|ST|LG|MT|DV|RC|DD|[AUHCFLSEBWJORP])\d{2})\b/gm)].map((match) => match[1]!),
    );
    expect([...cited].filter((id) => !entries.has(id)).sort()).toEqual([]);
    expect(cited.size).toBeGreaterThan(100);
  });
});
