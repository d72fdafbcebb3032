import { TrestleError } from "../errors.js";
import type { UpstreamClientOptions } from "../upstream/upstream-client.js";
import type { TrestleOptions } from "./trestle-options.js";

/** `onUpstreamRequest` and `fetch`, checked once when the instance is built. */
export function readTransportOptions(options: Pick<TrestleOptions, "onUpstreamRequest" | "fetch">): UpstreamClientOptions {
  for (const name of ["onUpstreamRequest", "fetch"] as const) {
    const value: unknown = options[name];
    if (value !== undefined && typeof value !== "function") {
      throw new TrestleError("CONFIG_INVALID", `${name} must be a function, received ${value === null ? "null" : typeof value}`);
    }
  }
  return { onUpstreamRequest: options.onUpstreamRequest, fetch: options.fetch };
}
