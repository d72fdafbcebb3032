import { describe, expect, it } from "vitest";
import { checkPathValue } from "../../src/connector/check-path-value.js";

// Table tests for the one rule on decoded path values (src/connector/check-path-value.ts, S09),
// shared by @rest path variables ("encoded" separators) and passthrough segments ("refused").

const expectCheck = (value: string, rule: "encoded" | "refused" = "encoded") => expect(checkPathValue(value, rule));

describe("checkPathValue: values that may be sent", () => {
  it.each(["1", "abc", "a.b", "..a", "a..", ".a", "a b", "模型", "café", "a;b", "%41", "a%20b", "~user", "-", "a@b", "x".repeat(5000)])(
    "S09: %j is fine",
    (value) => {
      expectCheck(value).toBeUndefined();
      expectCheck(value, "refused").toBeUndefined();
    },
  );

  it.each(["a/b", "a\\b", "a/b/c"])("S09: %j is fine as an @rest variable (sent encoded), refused as a passthrough segment", (value) => {
    expectCheck(value).toBeUndefined();
    expectCheck(value, "refused").toMatch(/^a "\/" or "\\"/);
  });
});

describe("checkPathValue: every refused class", () => {
  it.each([
    ["empty", "", "an empty value"],
    ["NUL", "a\u0000", "control characters"],
    ["LF", "a\nb", "control characters"],
    ["CR", "\r", "control characters"],
    ["TAB", "a\tb", "control characters"],
    ["DEL", "\u007f", "control characters"],
    [".", ".", "segment"],
    ["..", "..", "segment"],
    ["...", "...", "segment"],
    ["dots and trailing space", ".. ", "segment"],
    ["leading space and dots", " ..", "segment"],
    ["dots and spaces", ". .", "segment"],
    ["dots with a path parameter", "..;jsessionid=x", "segment"],
    ["a dot with a path parameter", ".;x", "segment"],
    ["full-width dots", "．．", "segment"],
    ["a full-width dot", "．", "segment"],
    ["two-dot leader", "‥", "segment"],
    ["one-dot leader twice", "․․", "segment"],
    ["a dot-segment before a slash", "../admin", "segment"],
    ["a dot-segment after a slash", "a/..", "segment"],
    ["a dot-segment between backslashes", "a\\..\\b", "segment"],
    ["a dot-segment with a full-width slash", "..／admin", "segment"],
    ["%2e%2e", "%2e%2e", "percent-encoded twice"],
    ["%2E", "%2E", "percent-encoded twice"],
    ["%252e", "%252e", "percent-encoded twice"],
    ["%25252e", "%25252e", "percent-encoded twice"],
    ["%2f", "a%2fb", "percent-encoded twice"],
    ["%5C", "a%5Cb", "percent-encoded twice"],
  ])("S09: %s is refused (%s)", (_class, value, reason) => {
    expectCheck(value).toContain(reason);
    expect(checkPathValue(value, "refused")).toBeDefined();
  });

  it.each(["／", "a／b", "＼"])("S09: a full-width separator %j is refused as a passthrough segment", (value) => {
    expectCheck(value, "refused").toMatch(/separator|"\/"/);
  });
});
