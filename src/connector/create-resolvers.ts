import {
  getNamedType,
  isInterfaceType,
  isScalarType,
  isUnionType,
  type GraphQLFieldResolver,
  type GraphQLObjectType,
  type GraphQLSchema,
} from "graphql";
import { buildCachePolicy } from "../cache/build-cache-policy.js";
import type { OperationContext } from "../loader/operation-context.js";
import type { SchemaPlan } from "../plan/schema-plan.js";
import { createRequestBuilder } from "./build-request.js";
import { addConstraintChecks } from "./check-constraints.js";
import { createBatchResolver } from "./create-batch-resolver.js";
import { createEnumChecks, type EnumCheck } from "./check-enum-values.js";
import { createTypeResolver } from "./create-type-resolver.js";
import { createPageResolver } from "./create-page-resolver.js";
import { createCursorKeys, type CursorKeys } from "./page-cursor.js";
import { createStreamResolver, isStreamResolver, type StreamResolver } from "./create-stream-resolver.js";
import type { SubscriptionStreams } from "./subscription-streams.js";
import { createPollResolver } from "./create-poll-resolver.js";
import type { PollLoops } from "./poll-loops.js";
import { failedAnswer, readJsonAnswer } from "./map-answer.js";
import { readPath } from "../template/parse-template.js";
import { uploadScalar } from "../uploads/upload-scalar.js";
import { sendForm } from "./send-form.js";

/** The GraphQL context Trestle's resolvers run in. */
export interface TrestleResolverContext {
  trestle: OperationContext;
  /** The instance's open subscriptions (`@rest(stream:)` fields). */
  streams?: SubscriptionStreams | undefined;
  /** The instance's polling loops (`@rest(poll:)` fields). */
  polls?: PollLoops | undefined;
}

type Resolver = GraphQLFieldResolver<unknown, TrestleResolverContext, Record<string, unknown>>;

/** graphql-tools' resolver map: field resolvers, `__resolveType`, enum internal values. */
export type ResolverMap = Record<string, Record<string, Resolver | StreamResolver | ((value: unknown) => string | undefined) | string>>;

/**
 * Resolvers for every `@rest` field and every field that reads another key than its name,
 * type resolvers for unions and interfaces, `@enumValue` wire values for enums, and a check
 * of the upstream's value on every enum field (check-enum-values.ts).
 */
export function createResolvers(
  plan: SchemaPlan,
  schema: GraphQLSchema,
  cursorKeys: CursorKeys = createCursorKeys(undefined),
): ResolverMap {
  const resolvers: ResolverMap = {};
  const add = (typeName: string, fieldName: string, resolver: Resolver | StreamResolver) => {
    (resolvers[typeName] ??= {})[fieldName] = resolver;
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if ((isUnionType(type) || isInterfaceType(type)) && !type.name.startsWith("__")) {
      resolvers[type.name] = { __resolveType: createTypeResolver(type, schema, plan) };
    }
  }
  for (const [enumName, values] of plan.enumValues) resolvers[enumName] = Object.fromEntries(values);
  for (const [typeName, fields] of plan.keyPaths) {
    for (const [fieldName, paths] of fields) add(typeName, fieldName, readFirstKey(paths));
  }
  for (const rest of plan.restFields) {
    const type = schema.getType(rest.typeName) as GraphQLObjectType;
    const field = type.getFields()[rest.fieldName];
    if (field === undefined) continue;
    if (rest.paginate !== undefined) {
      const notFoundIsNull = !rest.nonNull && rest.typeName !== schema.getMutationType()?.name;
      add(rest.typeName, rest.fieldName, createPageResolver({ ...rest, paginate: rest.paginate }, field, cursorKeys, notFoundIsNull));
      continue;
    }
    if (rest.poll !== undefined) {
      add(rest.typeName, rest.fieldName, createPollResolver({ ...rest, poll: rest.poll }, field));
      continue;
    }
    if (rest.stream !== undefined) {
      add(rest.typeName, rest.fieldName, createStreamResolver({ ...rest, stream: rest.stream }, field));
      continue;
    }
    if (rest.batch !== undefined) {
      add(rest.typeName, rest.fieldName, createBatchResolver({ ...rest, batch: rest.batch }, field));
      continue;
    }
    const args = field.args;
    // A 204 (any 2xx without a body) resolves a Boolean field to true: the call succeeded.
    const emptyMeansTrue = getNamedType(field.type).name === "Boolean";
    // A 404 reads as "nothing there" (null) for a nullable read; a mutation that found nothing to act on failed.
    const notFoundIsNull = !rest.nonNull && rest.typeName !== schema.getMutationType()?.name;
    const build = createRequestBuilder(rest.upstream, rest, args, rest.coordinate);
    const cachePolicy = buildCachePolicy(rest.upstream, rest.headers, rest.cache, rest);
    const { select, nonNull, coordinate, errors, form } = rest;
    add(rest.typeName, rest.fieldName, async (parent, fieldArgs, context) => {
      const operation = context.trestle;
      const scope = { args: fieldArgs, parent, env: operation.env, headers: operation.headers, context: operation.values };
      const request = build(scope);
      if (request === null) return null;
      request.cache = cachePolicy;
      const response = form === undefined ? await operation.load(request) : await sendForm(operation, request, form, scope);
      const answer = readJsonAnswer(response, request, errors);
      if (answer.notFound) {
        if (notFoundIsNull) return null;
        throw failedAnswer(response, request, errors, nonNull ? ` for non-null field ${coordinate}` : "");
      }
      if (emptyMeansTrue && response.body.length === 0) return true;
      return select === undefined ? answer.data : (readPath(answer.data, select) ?? null);
    });
  }
  const restFields = new Set(plan.restFields.map((rest) => rest.coordinate));
  for (const [typeName, fields] of createEnumChecks(plan, schema)) {
    for (const [fieldName, check] of fields) {
      const resolver = resolvers[typeName]?.[fieldName] as Resolver | StreamResolver | undefined;
      if (isStreamResolver(resolver)) {
        resolver.resolve = withEnumCheck(resolver.resolve, fieldName, check, false);
        continue;
      }
      add(typeName, fieldName, withEnumCheck(resolver, fieldName, check, restFields.has(`${typeName}.${fieldName}`)));
    }
  }
  addConstraintChecks(resolvers, plan.constraints, schema, restFields);
  // `scalar Upload` takes the files of a multipart request (graphql-tools accepts a scalar here).
  if (isScalarType(schema.getType("Upload"))) (resolvers as Record<string, unknown>)["Upload"] = uploadScalar;
  return resolvers;
}

/** The field's value checked against its enum: one call for a plain key, awaited only for `@rest` fields (async). */
function withEnumCheck(resolver: Resolver | undefined, key: string, check: EnumCheck, async: boolean): Resolver {
  if (resolver === undefined) return (parent) => check((parent as Record<string, unknown> | null)?.[key]);
  if (async) return async (parent, args, context, info) => check(await resolver(parent, args, context, info));
  return (parent, args, context, info) => check(resolver(parent, args, context, info));
}

function readFirstKey(paths: readonly (readonly string[])[]): Resolver {
  if (paths.length === 1 && paths[0]!.length === 1) {
    const key = paths[0]![0]!;
    return (parent) => (parent as Record<string, unknown> | null)?.[key];
  }
  return (parent) => {
    for (const path of paths) {
      const value = readPath(parent, path);
      if (value !== undefined) return value;
    }
    return undefined;
  };
}
