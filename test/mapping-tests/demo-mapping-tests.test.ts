import { describe, expect, it } from "vitest";
import { runCli } from "./mapping-fixture.js";

describe("the demo schema's mapping tests (schema/tests/*.mapping.yaml)", () => {
  it("M12: trestle test --schema schema/ passes every one, without the demo upstream running", async () => {
    const run = await runCli(["test", "--schema", "schema/"], process.cwd(), { DEMO_API_URL: "http://127.0.0.1:9" });
    // The runner's own report, as CI shows it.
    console.log(run.text);
    expect(run.err).toEqual([]);
    expect(run.out.at(-1)).toMatch(/^# tests (\d+), pass \1, fail 0$/);
    expect(run.out.length).toBeGreaterThanOrEqual(5);
    expect(run.code).toBe(0);
  });

  it("M12: check, print-schema and serve's schema read the .graphql files only, never the tests beside them", async () => {
    const check = await runCli(["check", "--schema", "schema/"], process.cwd());
    expect(check.out.at(-1)).toBe("8 files checked: 0 errors, 0 warnings");
    const printed = await runCli(["print-schema", "--schema", "schema/"], process.cwd());
    expect(printed.code).toBe(0);
    expect(printed.text).not.toMatch(/exchanges|mapping/);
  });
});
