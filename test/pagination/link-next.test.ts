import { describe, expect, it } from "vitest";
import { readLinkNext } from "../../src/connector/read-link-next.js";
import { testUpstreamPlan } from "../helpers/upstream-plan.js";

// LINK paging follows `Link: <…>; rel="next"` only where every URL Trestle sends may go: the
// upstream's origin, under its base path. Anything else ends the listing.
const upstream = testUpstreamPlan({ name: "gh", origin: "http://127.0.0.1:8080", basePath: "/api" });
const fetched = "/api/repos?per_page=10";

describe("the next link of a LINK listing", () => {
  it.each([
    ['<http://127.0.0.1:8080/api/repos?page=2>; rel="next"', "/api/repos?page=2"],
    ["</api/repos?page=2>; rel=next", "/api/repos?page=2"],
    ['<repos?page=2>; rel="next"', "/api/repos?page=2"],
    ['<http://127.0.0.1:8080/api/repos?page=1>; rel="prev", <http://127.0.0.1:8080/api/repos?page=3>; rel="next"', "/api/repos?page=3"],
    ['<http://127.0.0.1:8080/api/repos?q=a,b&page=2>; rel="next last"', "/api/repos?q=a,b&page=2"],
    ['<http://127.0.0.1:8080/api/repos?page=2>; title="a, b; rel=prev"; rel="next"', "/api/repos?page=2"],
    ['<http://127.0.0.1:8080/api/repos?page=2>; REL="Next"', "/api/repos?page=2"],
    ["<http://127.0.0.1:8080/api>; rel=next", "/api"],
  ])("P13: %s is followed to %s", (header, target) => {
    expect(readLinkNext(header, upstream, fetched)).toBe(target);
  });

  it.each([
    ['<http://evil.example/api/repos?page=2>; rel="next"', "another host"],
    ['<https://127.0.0.1:8080/api/repos?page=2>; rel="next"', "another scheme"],
    ['<http://127.0.0.1:8081/api/repos?page=2>; rel="next"', "another port"],
    ['<//evil.example/api/repos>; rel="next"', "a scheme-relative URL to another host"],
    ['<http://127.0.0.1:8080/admin?page=2>; rel="next"', "outside the base path"],
    ['<http://127.0.0.1:8080/apiary?page=2>; rel="next"', "a sibling of the base path"],
    ['</api/../admin>; rel="next"', "a dot-segment out of the base path"],
    ['</api/%2e%2e/admin>; rel="next"', "an encoded dot-segment out of the base path"],
    ['<http://user:pw@127.0.0.1:8080/api/repos>; rel="next"', "credentials in the URL"],
    ['<http://127.0.0.1:8080/api/repos?page=1>; rel="prev"', "no next link"],
    ["not a link header", "no link at all"],
    ['<http://[::1>; rel="next"', "a URL that does not parse"],
  ])("P13: %s (%s) ends the listing", (header) => {
    expect(readLinkNext(header, upstream, fetched)).toBeUndefined();
  });

  it("P13: no Link header ends the listing", () => {
    expect(readLinkNext(undefined, upstream, fetched)).toBeUndefined();
  });
});
