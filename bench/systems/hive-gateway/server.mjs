// Starts the Hive Gateway CLI in this process: `hive-gateway supergraph --port $PORT`
// with gateway.config.mjs from this folder. UPSTREAM_URL is read by the supergraph's
// {env.UPSTREAM_URL} transport location.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
process.chdir(here);
const require = createRequire(import.meta.url);
const pkgPath = require.resolve("@graphql-hive/gateway/package.json");
const pkg = require(pkgPath);
const bin = join(dirname(pkgPath), typeof pkg.bin === "string" ? pkg.bin : pkg.bin["hive-gateway"]);
process.argv = [process.argv[0], bin, "supergraph", "./supergraph.graphql", "--port", process.env.PORT ?? "4000", "--host", "127.0.0.1"];
await import(bin);
