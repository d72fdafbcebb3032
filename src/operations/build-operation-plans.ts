import {
  GraphQLError,
  Kind,
  parse,
  Source,
  specifiedRules,
  validate,
  visit,
  type DefinitionNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationRule,
} from "graphql";
import { formatDiagnostic, type Diagnostic } from "../errors.js";
import type { PreparedDocument } from "../execution/prepared-document.js";
import { DiagnosticList, placeOf } from "../sdl/diagnostics.js";
import type { SchemaSource } from "../sdl/load-schema-sources.js";
import { describeVariables } from "./describe-variables.js";
import { liftDescriptions, readDescription, type LiftedDescriptions } from "./read-descriptions.js";

/** One named operation of the operations folder, validated at startup: a REST endpoint and an MCP tool. */
export interface OperationPlan {
  name: string;
  kind: "query" | "mutation";
  /** The `#` lines above it, or its description string. */
  description: string | undefined;
  definition: OperationDefinitionNode;
  /** The operation and the fragments it uses, and nothing else: what the engine runs. */
  document: DocumentNode;
  /** Its prepared form, handed to the engine as it is (never parsed or validated again). */
  prepared: PreparedDocument;
  /** Each variable's description: the description of the argument it is passed to. */
  variableDescriptions: ReadonlyMap<string, string>;
}

export interface OperationPlanOptions {
  schema: GraphQLSchema;
  /** Trestle's limit rules, added to graphql-js's specified rules: what /graphql validates with. */
  rules: readonly ValidationRule[];
}

interface Found<T> {
  node: T;
  lifted: LiftedDescriptions;
}

/**
 * Reads the named operations of every file and checks them against the schema as /graphql
 * would (graphql-js's rules and Trestle's limits), each with the fragments it uses (fragments
 * are shared by every file). Anonymous operations, subscriptions, names used twice and
 * definitions that are neither operations nor fragments are errors with file:line:col.
 */
export function buildOperationPlans(
  sources: readonly SchemaSource[],
  options: OperationPlanOptions,
): { plans: OperationPlan[]; diagnostics: Diagnostic[] } {
  const list = new DiagnosticList();
  const operations = new Map<string, Found<OperationDefinitionNode>>();
  const fragments = new Map<string, Found<FragmentDefinitionNode>>();
  for (const source of sources) {
    const lifted = liftDescriptions(source.body, source.name);
    let document: DocumentNode;
    try {
      document = parse(new Source(lifted.body, source.name));
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      list.fromGraphQLError(error);
      continue;
    }
    for (const definition of document.definitions) readDefinition(definition, lifted, operations, fragments, list);
  }
  if (operations.size === 0 && !list.hasErrors) {
    list.items.push({
      severity: "error",
      file: sources.map((source) => source.name).join(", "),
      line: 0,
      column: 0,
      message: "no named operations found: each `query Name { … }` or `mutation Name { … }` becomes /api/Name and the MCP tool Name",
    });
  }
  const rules = [...specifiedRules, ...options.rules];
  const seen = new Set<string>();
  const plans: OperationPlan[] = [];
  for (const [name, { node, lifted }] of operations) {
    const used = usedFragments(node, fragments);
    const document: DocumentNode = { kind: Kind.DOCUMENT, definitions: [node, ...used] };
    const errors = validate(options.schema, document, rules);
    for (const error of errors) {
      const before = list.items.length;
      // The limit rules report without a place: the operation's own is given.
      if (error.locations?.length) list.fromGraphQLError(error);
      else list.error(node, `${name}: ${error.message}`);
      const line = formatDiagnostic(list.items[before]!);
      // A fragment shared by several operations reports its own error once.
      if (seen.has(line)) list.items.pop();
      seen.add(line);
    }
    if (errors.length > 0) continue;
    plans.push({
      name,
      kind: node.operation === "mutation" ? "mutation" : "query",
      description: readDescription(node, lifted),
      definition: node,
      document,
      prepared: { document, errors: [] },
      variableDescriptions: describeVariables(options.schema, document),
    });
  }
  return { plans, diagnostics: list.items };
}

function readDefinition(
  definition: DefinitionNode,
  lifted: LiftedDescriptions,
  operations: Map<string, Found<OperationDefinitionNode>>,
  fragments: Map<string, Found<FragmentDefinitionNode>>,
  list: DiagnosticList,
): void {
  if (definition.kind === Kind.FRAGMENT_DEFINITION) {
    const other = fragments.get(definition.name.value);
    if (other !== undefined)
      return list.error(
        definition,
        `fragment "${definition.name.value}" is already defined at ${placeOf(other.node)}: fragment names are shared by every operations file`,
      );
    fragments.set(definition.name.value, { node: definition, lifted });
    return;
  }
  if (definition.kind !== Kind.OPERATION_DEFINITION)
    return list.error(
      definition,
      `an operations file holds operations and fragments only, found a ${definition.kind}: the schema belongs in --schema`,
    );
  const name = definition.name?.value;
  if (name === undefined)
    return list.error(
      definition,
      `an anonymous ${definition.operation} cannot be served: give it a name (${definition.operation} Name { … }), which becomes /api/Name and the MCP tool Name`,
    );
  if (definition.operation === "subscription")
    return list.error(
      definition,
      `subscription "${name}" cannot be served as a REST endpoint or an MCP tool: only queries and mutations can`,
    );
  const other = operations.get(name);
  if (other !== undefined)
    return list.error(
      definition,
      `operation "${name}" is already defined at ${placeOf(other.node)}: operation names are endpoint names and must be unique across files`,
    );
  operations.set(name, { node: definition, lifted });
}

/** The fragments an operation spreads, directly or through other fragments; unknown names are left to validation. */
function usedFragments(
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, Found<FragmentDefinitionNode>>,
): FragmentDefinitionNode[] {
  const used = new Map<string, FragmentDefinitionNode>();
  const pending: Array<OperationDefinitionNode | FragmentDefinitionNode> = [operation];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    visit(node, {
      FragmentSpread(spread) {
        const fragment = fragments.get(spread.name.value)?.node;
        if (fragment === undefined || used.has(spread.name.value)) return;
        used.set(spread.name.value, fragment);
        pending.push(fragment);
      },
    });
  }
  return [...used.values()];
}
