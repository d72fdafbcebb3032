import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { createYogaDocumentCache } from "../../src/execution/create-yoga-document-cache.js";
import { createPreparedDocuments, sizeOf } from "../../src/execution/prepared-document.js";

// One cache of prepared documents for both GraphQL routes: a text parsed by yoga's route is
// the fast route's document too, and both routes' parts of an entry count against one budget.
describe("S06: one byte-bounded cache of prepared documents for both routes", () => {
  it("S06: a document yoga parsed is the one the fast route finds (parsed once), counted once", () => {
    const documents = createPreparedDocuments({ maxBytes: 1024 * 1024 });
    const yoga = createYogaDocumentCache(documents);
    const text = "{ a { b } }";
    const document = parse(text);
    yoga.options.documentCache.set(text, document);
    expect(documents.get(text)?.document).toBe(document);
    expect(documents.size).toBe(1);
    expect(documents.calculatedSize).toBe(sizeOf(text, { document }));
  });

  it("S06: a parse error yoga cached and the fast route's verdict share the entry; sizes add up, never past the budget", () => {
    const documents = createPreparedDocuments({ maxBytes: 256 * 1024 });
    const yoga = createYogaDocumentCache(documents);
    yoga.options.errorCache.set("{ broken", new Error("Syntax Error"));
    expect(yoga.options.errorCache.get("{ broken")).toBeInstanceOf(Error);
    expect(documents.calculatedSize).toBe(sizeOf("{ broken", { parseError: true }));
    for (let i = 0; i < 2000; i++) {
      const text = `{ f${i} { g h i j k } }`;
      yoga.options.documentCache.set(text, parse(text));
      expect(documents.calculatedSize).toBeLessThanOrEqual(256 * 1024);
    }
    expect(documents.size).toBeLessThan(2000);
  });
});
