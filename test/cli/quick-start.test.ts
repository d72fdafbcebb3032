import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

// The README's quick start, as package.json's "start" script runs it (on an ephemeral port
// instead of 4000): the demo upstream comes up first, then the BFF answers GraphQL and passthrough.
const root = fileURLToPath(new URL("../../", import.meta.url));
const start = (JSON.parse(readFileSync(new URL("package.json", `file://${root}`), "utf8")) as { scripts: { start: string } }).scripts.start;

it("`npm start` serves the demo BFF: the demo upstream first, then GraphQL and passthrough answers", async () => {
  const [command, ...args] = start.split(" ");
  expect(command).toBe("node");
  const child = spawn(process.execPath, [...args, "--port", "0"], {
    cwd: root,
    env: { ...process.env, DEMO_API_URL: "", NODE_ENV: "development" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  try {
    const base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "serving" line within 20 s: ${stdout}`)), 20_000);
      child.stdout.on("data", () => {
        const url = /serving schema\/ at (http:\/\/127\.0\.0\.1:\d+)\/graphql/.exec(stdout)?.[1];
        if (url !== undefined) (resolve(url), clearTimeout(timer));
      });
      child.once("exit", (code) => reject(new Error(`exited ${code}: ${stdout}`)));
    });
    expect(stdout.split("\n")[0]).toMatch(/^demo upstream \(AI platform REST API\) listening on http:\/\/127\.0\.0\.1:\d+/);
    const graphql = await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `{ model(name: "fraud-xgb") { name stage latestVersion owner { name } } }` }),
    });
    const body = (await graphql.json()) as { data?: { model?: Record<string, unknown> }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data?.model).toMatchObject({
      name: "fraud-xgb",
      stage: "Production",
      latestVersion: 5,
      owner: { name: expect.any(String) },
    });
    const rest = await fetch(`${base}/rest/ml/models/fraud-xgb`);
    expect(rest.status).toBe(200);
    expect(await rest.json()).toMatchObject({ name: "fraud-xgb", latest_version: 5 });
  } finally {
    child.kill("SIGTERM");
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(0);
  }
});
