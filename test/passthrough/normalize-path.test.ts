import { describe, expect, it } from "vitest";
import { normalizePath } from "../../src/passthrough/normalize-path.js";

// Case ids (U13…): docs/threat-model.md, URL templates and passthrough routing.
describe("normalizePath", () => {
  it.each([
    ["/rest/ml/models/x", ["rest", "ml", "models", "x"], ["rest", "ml", "models", "x"], ""],
    ["/rest/ml/models/x?limit=5&q=a%2Fb", ["rest", "ml", "models", "x"], ["rest", "ml", "models", "x"], "?limit=5&q=a%2Fb"],
    ["/rest/ml/models/", ["rest", "ml", "models", ""], ["rest", "ml", "models", ""], ""],
    ["/rest/ml/models/fraud%20xgb", ["rest", "ml", "models", "fraud%20xgb"], ["rest", "ml", "models", "fraud xgb"], ""],
    ["/rest/ml/%6dodels", ["rest", "ml", "%6dodels"], ["rest", "ml", "models"], ""],
    ["/rest/ml/%E6%A8%A1%E5%9E%8B", ["rest", "ml", "%E6%A8%A1%E5%9E%8B"], ["rest", "ml", "模型"], ""],
    ["/rest/ml/a..b", ["rest", "ml", "a..b"], ["rest", "ml", "a..b"], ""],
    ["/rest/ml/x?a=../b", ["rest", "ml", "x"], ["rest", "ml", "x"], "?a=../b"],
    ["/rest/ml/x?", ["rest", "ml", "x"], ["rest", "ml", "x"], "?"],
  ])("accepts %s", (target, raw, decoded, search) => {
    expect(normalizePath(target)).toEqual({ ok: true, target: { raw, decoded, search } });
  });

  it.each([
    ["U13", "http://169.254.169.254/latest", "absolute-form"],
    ["U13", "HTTP://x/rest/ml/models", "absolute-form"],
    ["U16", "10.0.0.1:22", "authority-form"],
    ["U16", "*", "asterisk-form"],
    ["U14", "//evil.example/x", "scheme-relative"],
    ["U14", "/\\evil.example/x", "backslash"],
    ["U15", "/rest/ml/../admin", "dot-dot"],
    ["U15", "/rest/ml/models/./x", "dot"],
    ["U15", "/rest/ml/models/..", "trailing dot-dot"],
    ["U15", "/rest/ml/%2e%2e/admin", "encoded dot-dot"],
    ["U15", "/rest/ml/%2E%2e/admin", "mixed-case encoded dot-dot"],
    ["U15", "/rest/ml/.%2e/admin", "half-encoded dot-dot"],
    ["U15", "/rest/ml/%2e/admin", "encoded dot"],
    ["U15", "/rest/ml/..%2fadmin", "encoded slash after dot-dot"],
    ["U15", "/rest/ml/models%2F..%2Fadmin", "encoded slash"],
    ["U15", "/rest/ml/a%5cb", "encoded backslash"],
    ["U15", "/rest/ml/..\\admin", "backslash dot-dot"],
    ["U15", "/rest/ml/..;/admin", "dot-dot with path parameter"],
    ["U15", "/rest/ml/%2e%2e%3bx/admin", "encoded dot-dot with path parameter"],
    ["U15", "/rest/ml/%EF%BC%8E%EF%BC%8E/admin", "full-width dots"],
    ["U15", "/rest/ml/%C0%AE%C0%AE/admin", "overlong UTF-8 dots"],
    ["U15", "/rest/ml/a%EF%BC%8Fb", "full-width solidus"],
    ["S09", "/rest/ml/...", "three dots"],
    ["S09", "/rest/ml/..%20/admin", "dot-dot and a space"],
    ["S09", "/rest/ml/%252e%252e/admin", "double-encoded dot-dot"],
    ["S09", "/rest/ml/%E2%80%A5/admin", "two-dot leader"],
    ["—", "/rest/ml//models", "double slash"],
    ["—", "/rest/ml/%zz", "malformed percent-encoding"],
    ["—", "/rest/ml/a%00b", "encoded NUL"],
    ["—", "/rest/ml/a%0d%0ab", "encoded CR LF"],
    ["—", "/rest/ml/a b", "raw space"],
    ["—", "/rest/ml/a\u0000b", "raw NUL"],
    ["—", "/rest/ml/caf\u00e9", "raw non-ASCII"],
    ["—", "/rest/ml/x#frag", "fragment"],
  ])("%s: refuses %j (%s) with 400", (_id, target) => {
    const result = normalizePath(target);
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.kind).toBe("invalid-request-target");
  });

  it("answers 414 past 8000 characters", () => {
    expect(normalizePath(`/rest/ml/${"a".repeat(8000)}`)).toMatchObject({ ok: false, kind: "uri-too-long" });
  });
});
