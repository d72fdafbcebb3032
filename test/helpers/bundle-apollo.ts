import { build } from "esbuild";
import { fileURLToPath } from "node:url";

let bundled: Promise<string> | undefined;

/**
 * Apollo Client 4 (core, no React) bundled for a browser page, in memory: the page calls
 * `window.apollo.ApolloClient`, `HttpLink`, `InMemoryCache` and `gql`. No CDN, no committed bundle.
 */
export function bundleApollo(): Promise<string> {
  bundled ??= build({
    stdin: {
      contents: `import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
                 window.apollo = { ApolloClient, HttpLink, InMemoryCache, gql };`,
      resolveDir: fileURLToPath(new URL("../../", import.meta.url)),
      loader: "js",
    },
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: "chrome120",
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "silent",
  }).then((result) => result.outputFiles[0]!.text);
  return bundled;
}
