import { describe, expect, it } from "vitest";
import { readTestSecrets, replaceInStrings } from "../../src/mapping-tests/test-secrets.js";

const sdl = `extend schema @upstream(name: "a", baseUrl: "{env.A_URL:-http://127.0.0.1:1}", headers: [
  { name: "x-key", value: "{env.A_KEY}" }, { name: "x-region", value: "{env.REGION:-eu-west-1}" }, { name: "x-n", value: "{env.N:-1}" }
])`;

describe("readTestSecrets", () => {
  it("M14: every {env.X} but the base URL's gets the placeholder env-X during replay", () => {
    const { replayEnv, placeholders } = readTestSecrets([sdl, "Bearer {env.TOKEN}"], {
      A_URL: "http://real",
      A_KEY: "k-123456",
      OTHER: "x",
    });
    expect(replayEnv).toEqual({
      A_URL: "http://real",
      A_KEY: "env-A_KEY",
      REGION: "env-REGION",
      N: "env-N",
      TOKEN: "env-TOKEN",
      OTHER: "x",
    });
    expect([...placeholders]).toEqual([
      ["{env.A_KEY}", "env-A_KEY"],
      ["{env.REGION}", "env-REGION"],
      ["{env.N}", "env-N"],
      ["{env.TOKEN}", "env-TOKEN"],
    ]);
  });

  it("M14: a base URL's variable left unset gets a URL the replay replaces, never resolved", () => {
    expect(readTestSecrets([sdl], {}).replayEnv["A_URL"]).toBe("http://replay.invalid");
  });

  it("M14: real values (or defaults) of 4 characters and more become {env.X}, percent-encoded ones too, longest first", () => {
    const { secrets } = readTestSecrets([sdl, "Bearer {env.TOKEN}"], { A_KEY: "k/1234+5", TOKEN: "tok", A_URL: "http://real" });
    expect(secrets).toEqual([
      ["k%2F1234%2B5", "{env.A_KEY}"],
      ["eu-west-1", "{env.REGION}"],
      ["k/1234+5", "{env.A_KEY}"],
    ]);
  });
});

describe("replaceInStrings", () => {
  const cases: Array<[string, unknown, unknown]> = [
    ["a string, every occurrence", "k-1 and k-1", "S and S"],
    [
      "strings deep in lists and maps, keys included",
      { "k-1": ["x k-1", { y: "k-1" }], n: 5, b: true, z: null },
      { S: ["x S", { y: "S" }], n: 5, b: true, z: null },
    ],
    ["nothing to replace", { a: "b" }, { a: "b" }],
  ];
  for (const [what, input, output] of cases) it(`M14: ${what}`, () => expect(replaceInStrings(input, [["k-1", "S"]])).toEqual(output));
});
