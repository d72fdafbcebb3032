import { getOperationAST, type DocumentNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { RequestLog } from "./request-log.js";

/**
 * Yoga's route (GraphQL over GET, other media types, SSE): the operation's name reaches the
 * request's log line (`operationName`, or the parsed operation's own name). The fast route
 * sets it in the lane. Nothing is done for a request that is not logged.
 */
export function useRequestLog(): Plugin {
  const name = ({ args }: { args: { contextValue: unknown; document: DocumentNode; operationName?: string | null | undefined } }) => {
    const log = (args.contextValue as { trestle?: { log?: RequestLog | undefined } }).trestle?.log;
    if (log !== undefined) log.operation = getOperationAST(args.document, args.operationName)?.name?.value;
  };
  return { onExecute: name, onSubscribe: name };
}
