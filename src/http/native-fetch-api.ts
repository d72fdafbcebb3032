/**
 * The runtime's own WHATWG classes, for graphql-yoga's `fetchAPI` option. Yoga otherwise
 * answers with its ponyfill `Response` on Node, which is not `instanceof Response`: Next.js
 * route handlers refuse it, and fetch-handler hosts (Hono, Bun, Deno) expect the real class.
 * URLPattern is left to yoga (Node 20 has none).
 */
export const nativeFetchAPI = {
  fetch: globalThis.fetch,
  Request: globalThis.Request,
  Response: globalThis.Response,
  Headers: globalThis.Headers,
  FormData: globalThis.FormData,
  Blob: globalThis.Blob,
  File: globalThis.File,
  ReadableStream: globalThis.ReadableStream,
  WritableStream: globalThis.WritableStream,
  TransformStream: globalThis.TransformStream,
  CompressionStream: globalThis.CompressionStream,
  DecompressionStream: globalThis.DecompressionStream,
  TextEncoderStream: globalThis.TextEncoderStream,
  TextDecoderStream: globalThis.TextDecoderStream,
  TextEncoder: globalThis.TextEncoder,
  TextDecoder: globalThis.TextDecoder,
  URL: globalThis.URL,
  URLSearchParams: globalThis.URLSearchParams,
};
