import { describe, expect, it } from "vitest";
import { pickMediaType } from "../../src/execution/create-result-step.js";

// Issue 26 (perfpath-6): the media type picked for an Accept header is remembered for the few
// spellings clients send; a client sending endless different ones (an attacker filling the
// memo) still gets the right pick for each, before and after the memo is full.

describe("perfpath-6: pickMediaType remembers a bounded set of Accept headers", () => {
  const variants = Array.from({ length: 150 }, (_, i): [string, string | undefined] => {
    switch (i % 5) {
      case 0:
        return [`application/json;q=0.${i}`, "application/json"];
      case 1:
        return [`text/html, application/graphql-response+json;v=${i}`, "application/graphql-response+json"];
      case 2:
        return [`text/plain;x=${i}`, undefined];
      case 3:
        return [`image/png;i=${i}, */*`, "application/json"];
      default:
        return [`${"text/x-long;p=1, ".repeat(20)}APPLICATION/GRAPHQL-RESPONSE+JSON;n=${i}`, "application/graphql-response+json"];
    }
  });

  it("perfpath-6: 150 different Accept headers, each asked three times, all get the pick the rules give", () => {
    for (let round = 0; round < 3; round++) {
      for (const [accept, expected] of variants) expect(pickMediaType(accept), accept).toBe(expected);
    }
    expect(pickMediaType(undefined)).toBe("application/json");
    expect(pickMediaType("")).toBe("application/json");
    expect(pickMediaType("application/graphql-response+json, application/json")).toBe("application/graphql-response+json");
  });
});
