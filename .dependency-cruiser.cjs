/**
 * The import rules `npm test` enforces (`npm run lint:deps`), so the folders keep following the
 * request's flow (docs/architecture.md):
 *
 * - no import cycles between files, type-only imports included;
 * - layers: a folder (or top-level file) of src/ imports only from its own layer and the layers
 *   below it, never from one above, which also rules out cycles between folders (the first
 *   layer's leaves import nothing of src/ but each other's types).
 */
const layers = [
  ["errors.ts", "template", "plan", "metrics", "tracing", "logging", "demo"],
  ["upstream"],
  ["cache"],
  ["pipeline"],
  ["uploads"],
  ["sdl"],
  ["config"],
  ["http"],
  ["loader"],
  ["connector"],
  ["limits"],
  ["openapi"],
  ["execution"],
  ["plugins"],
  ["passthrough"],
  ["operations"],
  ["ws"],
  ["reload"],
  ["trestle.ts"],
  ["adapters"],
  ["mapping-tests"],
  ["cli"],
  ["index.ts"],
];

const pattern = (names) => `^src/(${names.map((name) => name.replace(".", "\\.")).join("|")})(/|$)`;

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "A file must not reach itself through its imports (type-only imports count).",
      from: {},
      to: { circular: true },
    },
    ...layers.slice(0, -1).map((layer, at) => ({
      name: `layer-${layer.join("-")}`,
      severity: "error",
      comment: `${layer.join(", ")} may import only the layers below: not ${layers
        .slice(at + 1)
        .flat()
        .join(", ")}.`,
      from: { path: pattern(layer) },
      to: { path: pattern(layers.slice(at + 1).flat()) },
    })),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
  },
};
