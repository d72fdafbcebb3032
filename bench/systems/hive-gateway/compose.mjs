// Writes openapi.json (from the upstream's own description) and composes supergraph.graphql
// with the Mesh Compose CLI, the way its docs run it (`mesh-compose -o supergraph.graphql`).
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildOpenApi } from "../../upstream/openapi.mjs";

const here = dirname(fileURLToPath(import.meta.url));
writeFileSync(join(here, "openapi.json"), JSON.stringify(buildOpenApi("http://127.0.0.1:4100"), null, 2) + "\n");
const require = createRequire(import.meta.url);
const cliPackage = require.resolve("@graphql-mesh/compose-cli/package.json");
const bin = join(dirname(cliPackage), require(cliPackage).bin["mesh-compose"]);
execFileSync(process.execPath, [bin, "--config-path", "mesh.config.mjs", "--output", "supergraph.graphql"], {
  cwd: here,
  stdio: "inherit",
});
console.log("composed", join(here, "supergraph.graphql"));
