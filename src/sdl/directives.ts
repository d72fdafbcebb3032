import { readFileSync } from "node:fs";

/**
 * The SDL that declares Trestle's directives, kept in the package's `directives.graphql`
 * (one copy: users point their editors at that file, `trestle print-directives` prints it,
 * and Trestle adds it to every schema it loads). This module sits two folders below the
 * package root both in src/ and in dist/.
 */
export const directiveDefinitions = readFileSync(new URL("../../directives.graphql", import.meta.url), "utf8");

/** Names of every directive and type that {@link directiveDefinitions} declares. */
export const trestleDirectiveNames = new Set(["upstream", "rest", "from", "cache", "enumValue", "constraint"]);
export const trestleTypeNames = new Set([
  "TrestleHttpMethod",
  "TrestleNaming",
  "TrestleCacheScope",
  "TrestleHeader",
  "TrestlePassthrough",
  "TrestleRetry",
  "TrestleBreaker",
  "TrestleCache",
  "TrestleBatch",
  "TrestleErrors",
  "TrestleFormPart",
  "TrestleFormEncoding",
  "TrestlePageStyle",
  "TrestlePaginate",
  "TrestleStreamFormat",
  "TrestleStream",
  "TrestlePollUntil",
  "TrestlePoll",
]);
