import { describe, expect, it } from "vitest";
import {
  addressRemoved,
  headerValueRemoved,
  isAddressLike,
  maxDetailsBytes,
  sanitizeDetails,
  secretsOf,
} from "../../src/connector/sanitize-details.js";

// Table tests for what an upstream's error details may show a client (src/connector/sanitize-details.ts).

const rules = { upstreamHost: "ml", secrets: secretsOf({ authorization: "Bearer sk-live-0123456789", accept: "application/json" }) };
const sizeOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

describe("isAddressLike: the upstream's host, non-public URLs and hosts, private IPs", () => {
  it.each([
    ["connect to http://10.0.0.7:8080/predict failed", true],
    ["postgresql://app@db:5432/models", true],
    ["at db-internal-7:5432", true],
    ["upstream ml:8000 refused", true],
    ["http://ml/models", true],
    ["see https://api.internal/docs", true],
    ["http://[::1]:3000/", true],
    ["http://[fd00::5]/x", true],
    ["https://metadata.google.internal/computeMetadata", true],
    ["http://169.254.169.254/latest/meta-data", true],
    ["peer 192.168.1.20 reset", true],
    ["node 172.20.0.3", true],
    ["http://localhost:9000/x", true],
    ["http://svc.cluster.local/x", true],
    ["replica gpu-node-7.internal is down", true],
    ["printer.local", true],
    ["file model.pkl", false],
    ["Model not found", false],
    ["the ml model is busy", false],
    ["html and xml", false],
    ["see https://docs.example.com/errors/42", false],
    ["https://errors.pydantic.dev/2.5/v/missing", false],
    ["version 1.2.3.4", false],
    ["resolver 8.8.8.8", false],
    ["at 12:30 UTC", false],
    ["Error:404", false],
  ])("%j → %s", (text, expected) => {
    expect(isAddressLike(text, "ml")).toBe(expected);
  });

  it("the upstream's own host, when it has a dot, as a word anywhere", () => {
    expect(isAddressLike("api.example.com refused", "api.example.com")).toBe(true);
    expect(isAddressLike("see https://api.example.com/v1/models", "api.example.com")).toBe(true);
    expect(isAddressLike("myapi.example.community", "api.example.com")).toBe(false);
  });
});

describe("sanitizeDetails", () => {
  it.each([
    ["a plain string", "Invalid token", "Invalid token"],
    ["an object", { error: "version_not_found", latest: 3 }, { error: "version_not_found", latest: 3 }],
    ["an address in a member", { error: "down", at: "http://10.0.0.7/x" }, { error: "down", at: addressRemoved }],
    ["a key that is an address", { "http://10.0.0.7/x": 1, ok: true }, { ok: true }],
    ["a header value echoed", { detail: "bad token Bearer sk-live-0123456789" }, { detail: headerValueRemoved }],
    ["only the token echoed", ["token sk-live-0123456789 expired"], [headerValueRemoved]],
    ["plain header values are not secrets", "expected application/json", "expected application/json"],
  ])("%s", (_name, value, expected) => {
    expect(sanitizeDetails(value, rules)).toEqual({ value: expected, truncated: false });
  });

  it("drops __proto__, constructor and prototype keys, and pollutes nothing", () => {
    const value = JSON.parse('{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 1}}, "ok": {"__proto__": []}}');
    const result = sanitizeDetails(value, rules);
    expect(result).toEqual({ value: { ok: {} }, truncated: false });
    expect(Object.getPrototypeOf(result.value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });

  it("cuts a 5 MB list to its first items within 16 KiB, and says so", () => {
    const list = Array.from({ length: 50_000 }, (_, i) => ({ loc: ["body", "items", i], msg: "x".repeat(60), type: "value_error" }));
    expect(sizeOf(list)).toBeGreaterThan(5_000_000);
    const { value, truncated } = sanitizeDetails(list, rules);
    expect(truncated).toBe(true);
    expect(sizeOf(value)).toBeLessThanOrEqual(maxDetailsBytes);
    expect((value as unknown[]).length).toBeGreaterThan(50);
    expect((value as unknown[])[0]).toEqual(list[0]);
  });

  it("cuts an object of many members, long strings and multi-byte text within the cap", () => {
    const wide = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, "é".repeat(40)]));
    const cut = sanitizeDetails(wide, rules);
    expect(cut.truncated).toBe(true);
    expect(sizeOf(cut.value)).toBeLessThanOrEqual(maxDetailsBytes);
    const long = sanitizeDetails({ msg: "y".repeat(50_000) }, rules);
    expect(long).toEqual({ value: { msg: `${"y".repeat(1000)}…` }, truncated: true });
  });

  it("stops 10,000 levels of nesting at 8", () => {
    let deep: unknown = "bottom";
    for (let i = 0; i < 10_000; i++) deep = i % 2 === 0 ? [deep] : { d: deep };
    const { value, truncated } = sanitizeDetails(deep, rules);
    expect(truncated).toBe(true);
    expect(JSON.stringify(value)).not.toContain("bottom");
    expect(JSON.stringify(value).match(/\[|\{/g)?.length).toBe(8);
  });
});
