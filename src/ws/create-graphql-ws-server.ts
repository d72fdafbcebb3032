import type { IncomingMessage } from "node:http";
import { GraphQLError, type DocumentNode, type ExecutionArgs, type GraphQLFormattedError } from "graphql";
import { makeServer, type Server, type SubscribePayload } from "graphql-ws";
import type { YogaServerInstance } from "graphql-yoga";
import type { HostContext } from "../config/trestle-options.js";
import type { TrestleResolverContext } from "../connector/create-resolvers.js";
import { asRequestError, toClientError, withoutHttp } from "../execution/create-result-step.js";
import { asValidationError } from "../execution/create-graphql-lane.js";
import { readConnectionHeaders } from "./read-connection-headers.js";
import { closeReason, wsCloseCodes } from "./ws-close-codes.js";

/** What one socket carries besides graphql-ws's own state. */
export interface WsConnection {
  /** The upgrade request: its headers, and `host.req` for the app's `context` (only when `credentials`). */
  readonly request: IncomingMessage;
  /** The GraphQL URL the upgrade asked for (`http://host/bff/graphql`), for the Request operations see. */
  readonly url: string;
  /** Whether the upgrade's own Cookie and Authorization count (decideUpgradeOrigin). */
  readonly credentials: boolean;
  /** Closes the socket (graphql-ws's close codes, RFC 6455 §7.4). */
  close(code: number, reason: string): void;
  /** Set at `connection_init`: the upgrade's headers overridden by `connectionParams`. */
  headers?: Headers;
  /** One controller per running operation: aborted when it completes or the socket closes. */
  readonly operations: Map<string, AbortController>;
}

export interface GraphQLWsServerOptions {
  /** Yoga's envelop: the same parser (token limit), rules (depth, cost…), document cache, context and masking as HTTP. */
  readonly yoga: Pick<YogaServerInstance<{ host?: HostContext }, TrestleResolverContext>, "getEnveloped">;
  /** Operations one socket may run at once; the next one gets an error (the socket stays). */
  readonly maxOperations: number;
  /** Milliseconds a socket has to send `connection_init` (graphql-ws closes it with 4408). */
  readonly connectionInitWaitMs: number;
  /** The one masking rule (mask-error.ts), for what fails before execution. */
  readonly maskError: (error: unknown, message: string) => GraphQLError;
  /** "Did you mean…" in request errors (development only), as over HTTP. */
  readonly showSuggestions: boolean;
}

type Enveloped = ReturnType<GraphQLWsServerOptions["yoga"]["getEnveloped"]>;

/**
 * The graphql-transport-ws protocol (graphql-ws's `makeServer`) over yoga's envelop, as the
 * graphql-yoga docs' graphql-ws recipe does: each `subscribe` message is parsed, validated,
 * given its context and run by the functions `yoga.getEnveloped` returns, so the limits
 * (use-limits.ts), the document cache and error masking are those of the HTTP routes.
 * Whatever fails before execution is an `error` message for that operation, never a closed
 * socket: a syntax error, a refused document, a context function that throws, one operation
 * past `maxOperations`.
 */
export function createGraphQLWsServer(options: GraphQLWsServerOptions): Server<WsConnection> {
  // The envelop functions of each running operation, by its context (graphql-ws calls `execute(args)`).
  const envelopedByContext = new WeakMap<object, Enveloped>();
  const envelopedOf = (args: ExecutionArgs) => {
    const enveloped = envelopedByContext.get(args.contextValue as object);
    if (enveloped === undefined) throw new Error("a WebSocket operation ran without its envelop");
    return enveloped;
  };
  return makeServer<Record<string, unknown>, WsConnection>({
    connectionInitWaitTimeout: options.connectionInitWaitMs,
    onConnect(ctx) {
      const read = readConnectionHeaders(ctx.extra.request.headers, ctx.connectionParams, ctx.extra.credentials);
      if (read.error !== undefined) {
        ctx.extra.close(wsCloseCodes.badRequest, closeReason(read.error));
        return false;
      }
      ctx.extra.headers = read.headers;
      return true;
    },
    async onSubscribe(ctx, id, payload) {
      const connection = ctx.extra;
      if (Object.keys(ctx.subscriptions).length > options.maxOperations) {
        return [
          new GraphQLError(`A WebSocket connection runs at most ${options.maxOperations} operations at once; complete one first`, {
            extensions: { code: "SUBSCRIPTION_LIMIT" },
          }),
        ];
      }
      const controller = new AbortController();
      connection.operations.set(id, controller);
      const request = new Request(connection.url, {
        method: "POST",
        headers: connection.headers ?? new Headers(),
        signal: controller.signal,
      });
      // host.req carries the browser's own Cookie and Authorization: only where they count (decideUpgradeOrigin).
      const host: HostContext = connection.credentials ? { req: connection.request } : {};
      const enveloped = options.yoga.getEnveloped({ request, host, params: payload });
      const prepared = await prepare(enveloped, payload, options.maskError);
      if (Array.isArray(prepared)) {
        finishOperation(connection, id);
        return prepared;
      }
      envelopedByContext.set(prepared.contextValue as object, enveloped);
      return prepared as ExecutionArgs;
    },
    execute: (args) => envelopedOf(args).execute(args),
    subscribe: (args) => envelopedOf(args).subscribe(args),
    // Results and errors leave as over HTTP (create-result-step.ts): a result without data is a
    // request error (variables that do not coerce, BAD_USER_INPUT), transport hints (`http`) stripped.
    onNext(_ctx, _id, _payload, _args, result) {
      if (result.errors === undefined && result.extensions === undefined) return;
      const requestError = result.data === undefined;
      const errors = result.errors?.map((error) => toClientError(requestError ? asRequestError(error, options.showSuggestions) : error));
      const extensions = withoutHttp(result.extensions);
      return {
        ...(result.data !== undefined ? { data: result.data } : {}),
        ...(errors !== undefined ? { errors: errors as GraphQLFormattedError[] } : {}),
        ...(extensions !== undefined ? { extensions } : {}),
      };
    },
    onError(_ctx, _id, _payload, errors) {
      return errors.map((error) => toClientError(error) as GraphQLFormattedError);
    },
    onComplete(ctx, id) {
      finishOperation(ctx.extra, id);
    },
  });
}

/** Parse (token limit), validate (the limit rules) and build the context: the operation's arguments, or its errors. */
async function prepare(
  enveloped: Enveloped,
  payload: SubscribePayload,
  maskError: GraphQLWsServerOptions["maskError"],
): Promise<ExecutionArgs | GraphQLError[]> {
  let document: DocumentNode;
  try {
    document = enveloped.parse(payload.query);
  } catch (error) {
    return [maskError(error, "Unexpected error.")];
  }
  const errors = enveloped.validate(enveloped.schema, document) as readonly GraphQLError[];
  if (errors.length > 0) return errors.map(asValidationError);
  try {
    const contextValue: unknown = await enveloped.contextFactory();
    return {
      schema: enveloped.schema,
      document,
      operationName: payload.operationName ?? null,
      variableValues: payload.variables ?? null,
      contextValue,
    };
  } catch (error) {
    return [
      maskError(
        error instanceof GraphQLError ? error : new GraphQLError("Unexpected error.", { originalError: asError(error) }),
        "Unexpected error.",
      ),
    ];
  }
}

function finishOperation(connection: WsConnection, id: string): void {
  connection.operations.get(id)?.abort();
  connection.operations.delete(id);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
