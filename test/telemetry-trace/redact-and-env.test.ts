import { describe, expect, it } from "vitest";
import { redactUrl } from "../../src/tracing/redact-url.js";
import { wantsTracing } from "../../src/cli/setup-tracing.js";
import { errorCode } from "../../src/tracing/record-span-error.js";

describe("T24: url.full keeps names, never values", () => {
  it.each([
    ["/users/7", undefined, "http://u:1/users/7"],
    ["/search?q=secret&page=2", "/search", "http://u:1/search?q=REDACTED&page=REDACTED"],
    ["/s?a=1&a=2&=x&bare", "/s", "http://u:1/s?a=REDACTED&a=REDACTED&=REDACTED&REDACTED"],
    ["/s?", "/s", "http://u:1/s?REDACTED"],
    ["/v1/keys/sk-live-123/items?x=1", "/v1/keys/{env.KEY}/items", "http://u:1/v1/keys/{env.KEY}/items?x=REDACTED"],
    ["/a%3Fb?c=%3D", undefined, "http://u:1/a%3Fb?c=REDACTED"],
  ])("T24: %s (route %s) is traced as %s", (path, route, expected) => {
    expect(redactUrl("http://u:1", path, route)).toBe(expected);
  });
});

describe("T24: trestle serve sets up an SDK only when the standard variables ask", () => {
  it.each([
    [{}, false],
    [{ OTEL_TRACES_EXPORTER: "otlp" }, true],
    [{ OTEL_TRACES_EXPORTER: "console, OTLP" }, true],
    [{ OTEL_TRACES_EXPORTER: "none", OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" }, false],
    [{ OTEL_TRACES_EXPORTER: "zipkin" }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" }, true],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:4318/v1/traces" }, true],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "" }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_SDK_DISABLED: " TRUE " }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_SDK_DISABLED: "false" }, true],
  ])("T24: %j → %s", (env, expected) => {
    expect(wantsTracing(env)).toBe(expected);
  });
});

describe("T24: error.type is the Trestle code", () => {
  it("T24: a code, a GraphQL extension code, an original error's code, else _OTHER", () => {
    expect(errorCode({ code: "UPSTREAM_TIMEOUT", message: "GET /x?token=secret timed out" })).toBe("UPSTREAM_TIMEOUT");
    expect(errorCode({ extensions: { code: "COST_LIMIT" } })).toBe("COST_LIMIT");
    expect(errorCode({ extensions: {}, originalError: { code: "UPSTREAM_ERROR" } })).toBe("UPSTREAM_ERROR");
    expect(errorCode(new Error("secret"))).toBe("_OTHER");
    expect(errorCode("secret")).toBe("_OTHER");
  });
});
