import DataLoader from "dataloader";
import { getNullableType, isListType, type GraphQLField } from "graphql";
import { buildCachePolicy } from "../cache/build-cache-policy.js";
import { BadUserInputError, UpstreamError } from "../errors.js";
import { badAnswer, indexBatchAnswer } from "../loader/index-batch-answer.js";
import type { OperationContext } from "../loader/operation-context.js";
import type { BatchPlan, RestPlan } from "../plan/schema-plan.js";
import { createRequestBuilder } from "./build-request.js";
import { readJsonAnswer } from "./map-answer.js";
import { readPath } from "../template/parse-template.js";

const unsafeKey = /[\u0000-\u001f\u007f]/;

/**
 * A `@rest` field with a batch endpoint. Its key is the one `{args.X}`/`{parent.X}` of its
 * path; the operation's loader for that endpoint (shared by every field declaring the same
 * batch) collects keys for one tick, sends `maxSize` keys per call and hands each field its
 * items. A list-valued key resolves element-wise; a list field with one key gets every item
 * matching it (one-to-many); a single-valued field gets its one item, or null.
 */
export function createBatchResolver(rest: RestPlan & { batch: BatchPlan }, field: GraphQLField<unknown, unknown>) {
  const { batch, upstream, coordinate } = rest;
  const buildBatch = createRequestBuilder(
    upstream,
    { method: batch.method, url: batch.url, body: batch.body, headers: rest.headers },
    field.args,
    coordinate,
  );
  const returnsList = isListType(getNullableType(field.type));
  const fromParent = batch.keyVariable.root === "parent";
  const cachePolicy = buildCachePolicy(upstream, rest.headers, rest.cache, { ...batch, dedupe: rest.dedupe });

  const createLoader = (operation: OperationContext) =>
    new DataLoader<string | number, unknown[], string>(
      async (keys) => {
        const request = buildBatch({
          args: {},
          parent: undefined,
          env: operation.env,
          headers: operation.headers,
          context: operation.values,
          keys,
        });
        if (request === null) throw badAnswer(upstream.name, "could not be requested");
        request.cache = cachePolicy;
        request.batchSize = keys.length;
        const answer = readJsonAnswer(await operation.load(request), request, rest.errors);
        if (answer.notFound) return keys.map(() => []);
        const data = batch.select === undefined ? answer.data : readPath(answer.data, batch.select);
        const index = indexBatchAnswer(data, batch.key, keys, upstream.name);
        return keys.map((key) => index.get(String(key)) ?? []);
      },
      { maxBatchSize: batch.maxSize, cacheKeyFn: String },
    );

  const single = (items: unknown[], key: string | number): unknown => {
    if (items.length > 1) throw badAnswer(upstream.name, `has ${items.length} items for key ${JSON.stringify(key)} of ${coordinate}`);
    if (items.length === 0 && rest.nonNull) {
      throw new UpstreamError(
        "UPSTREAM_ERROR",
        upstream.name,
        `Upstream "${upstream.name}" batch answer has no item for key ${JSON.stringify(key)} of non-null field ${coordinate}.`,
        { status: 404 },
      );
    }
    return items[0] ?? null;
  };

  return async (parent: unknown, args: Record<string, unknown>, context: { trestle: OperationContext }) => {
    const operation = context.trestle;
    const value = readPath(fromParent ? parent : args, batch.keyVariable.path);
    if (value === null || value === undefined) {
      if (fromParent) return null;
      throw new BadUserInputError(`Key ${batch.keyVariable.source} of ${coordinate} has no value.`);
    }
    const loader = operation.loader(batch.identity, () => createLoader(operation));
    if (Array.isArray(value)) {
      const keys = value.map((key) => checkKey(key, batch, coordinate));
      const results = await loader.loadMany(keys);
      return results.map((items, i) => (items instanceof Error ? items : single(items, keys[i]!)));
    }
    const key = checkKey(value, batch, coordinate);
    const items = await loader.load(key);
    return returnsList ? items : single(items, key);
  };
}

/** Keys are untrusted input (from clients or upstream answers): scalars, and safe as a path segment. */
function checkKey(key: unknown, batch: BatchPlan, coordinate: string): string | number {
  if (typeof key === "number" && Number.isFinite(key)) return key;
  if (typeof key === "string" && key !== "" && key !== "." && key !== ".." && !unsafeKey.test(key)) return key;
  const from = batch.keyVariable.root === "parent" ? "a value from the upstream answer" : "argument";
  throw new BadUserInputError(
    `Key ${batch.keyVariable.source} of ${coordinate} cannot be ${JSON.stringify(key)} (${from}): keys must be non-empty strings or numbers, not "." or "..", without control characters.`,
  );
}
