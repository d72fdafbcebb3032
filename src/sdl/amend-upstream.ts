import {
  Kind,
  print,
  type ArgumentNode,
  type DirectiveNode,
  type DocumentNode,
  type ListValueNode,
  type ObjectFieldNode,
  type ObjectValueNode,
  type ValueNode,
} from "graphql";
import { placeOf as place, type DiagnosticList } from "./diagnostics.js";

/**
 * Folds every `@upstream` of one name into one directive node, so that a file an import
 * overwrites can stay purely generated and another file amends it:
 *
 *   extend schema @upstream(name: "ml", baseUrl: "http://ml:8000")           # generated
 *   extend schema @upstream(name: "ml", passthrough: { paths: ["/files/**"] }) # overlay
 *
 * Exactly one declaration gives `baseUrl` (the base); the others (amendments) add settings.
 * A setting given twice is a conflict reported at both places, except `headers`, whose rules
 * add up (one header name set twice is a conflict), and `errors`, whose `expose` lists add
 * up. The argument nodes keep their places, so later diagnostics point at the file that gave
 * the setting. Returns undefined when the
 * declarations cannot be folded (reported).
 */
export function amendUpstream(
  name: string,
  nodes: readonly DirectiveNode[],
  context: { document: DocumentNode; onlyUpstream: boolean; baseUrlInCode: boolean },
  diagnostics: DiagnosticList,
): DirectiveNode | undefined {
  const bases = nodes.filter((node) => argument(node, "baseUrl") !== undefined);
  if (bases.length > 1) {
    const first = bases[0]!;
    for (const node of bases.slice(1)) {
      diagnostics.error(
        argument(node, "name")?.value ?? node,
        `duplicate @upstream "${name}" with a baseUrl (the first is at ${place(first)}): declare baseUrl once; amend from other files with @upstream(name: "${name}", …) without baseUrl`,
      );
    }
    return undefined;
  }
  const base = bases[0];
  if (base === undefined && !context.baseUrlInCode) {
    const users = usersOf(name, context.document, context.onlyUpstream);
    const used = users.length === 0 ? "no field uses it yet" : `used by ${users.slice(0, 5).join(", ")}${users.length > 5 ? ", …" : ""}`;
    diagnostics.error(
      argument(nodes[0]!, "name")?.value ?? nodes[0],
      `@upstream "${name}" has no baseUrl (${used}): an @upstream without baseUrl amends the one declaration of that name that gives it, and there is none; add baseUrl: "http://…" to one @upstream "${name}"`,
    );
    return undefined;
  }
  const home = base ?? nodes[0]!;
  const args = new Map<string, ArgumentNode>((home.arguments ?? []).map((arg) => [arg.name.value, arg]));
  let ok = true;
  for (const node of nodes) {
    if (node === home) continue;
    for (const arg of node.arguments ?? []) {
      const key = arg.name.value;
      const earlier = args.get(key);
      if (key === "name") continue;
      if (earlier === undefined) args.set(key, arg);
      else if (key === "headers") {
        const merged = mergeHeaderLists(name, asList(earlier.value), asList(arg.value), diagnostics);
        ok &&= merged !== undefined;
        if (merged) args.set(key, { ...earlier, value: merged });
      } else if (key === "errors" && earlier.value.kind === Kind.OBJECT && arg.value.kind === Kind.OBJECT) {
        const merged = mergeErrorExposures(name, earlier.value, arg.value, diagnostics);
        ok &&= merged !== undefined;
        if (merged) args.set(key, { ...earlier, value: merged });
      } else {
        ok = false;
        const what = `@upstream "${name}" sets ${key}`;
        const fix = `give each setting once: the declaration with baseUrl or one amendment`;
        diagnostics.error(earlier, `${what} here and again at ${place(arg)}; ${fix}`);
        diagnostics.error(arg, `${what} here and already at ${place(earlier)}; ${fix}`);
      }
    }
  }
  return ok ? { ...home, arguments: [...args.values()] } : undefined;
}

/** Two `headers:` lists in one; a header name in both is a conflict at both rules. */
function mergeHeaderLists(
  upstream: string,
  first: ListValueNode,
  second: ListValueNode,
  diagnostics: DiagnosticList,
): ListValueNode | undefined {
  const names = new Map(first.values.map((rule) => [headerName(rule), rule]));
  let ok = true;
  for (const rule of second.values) {
    const name = headerName(rule);
    const earlier = name === undefined ? undefined : names.get(name);
    if (earlier === undefined) continue;
    ok = false;
    const what = `@upstream "${upstream}" sets header "${name}"`;
    diagnostics.error(earlier, `${what} here and again at ${place(rule)}; header rules of several declarations add up, each name once`);
    diagnostics.error(rule, `${what} here and already at ${place(earlier)}; header rules of several declarations add up, each name once`);
  }
  return ok ? { ...first, values: [...first.values, ...second.values] } : undefined;
}

/**
 * Two `errors:` in one: their `expose` statuses add up (the importer's [422] and an overlay's
 * [409] expose both); a `detail` path given in both must be the same.
 */
function mergeErrorExposures(
  upstream: string,
  first: ObjectValueNode,
  second: ObjectValueNode,
  diagnostics: DiagnosticList,
): ObjectValueNode | undefined {
  const field = (node: ObjectValueNode, name: string) => node.fields.find((f) => f.name.value === name);
  const firstDetail = field(first, "detail");
  const secondDetail = field(second, "detail");
  if (firstDetail && secondDetail && print(firstDetail.value) !== print(secondDetail.value)) {
    const what = `@upstream "${upstream}" sets errors.detail`;
    const fix = "the expose lists of several declarations add up; give detail once";
    diagnostics.error(firstDetail, `${what} here and again at ${place(secondDetail)}; ${fix}`);
    diagnostics.error(secondDetail, `${what} here and already at ${place(firstDetail)}; ${fix}`);
    return undefined;
  }
  const statuses = [field(first, "expose"), field(second, "expose")].flatMap((f) => (f === undefined ? [] : asList(f.value).values));
  const seen = new Set<string>();
  const expose = statuses.filter((status) => !seen.has(print(status)) && seen.add(print(status)));
  const detail = firstDetail ?? secondDetail;
  const exposeField = field(first, "expose") ?? field(second, "expose");
  const fields: ObjectFieldNode[] = [];
  if (exposeField) fields.push({ ...exposeField, value: { kind: Kind.LIST, values: expose } });
  if (detail) fields.push(detail);
  return { ...first, fields };
}

/** A list argument may be given one item without brackets (GraphQL's input coercion). */
function asList(value: ValueNode): ListValueNode {
  return value.kind === Kind.LIST ? value : { kind: Kind.LIST, values: [value], ...(value.loc ? { loc: value.loc } : {}) };
}

function headerName(rule: ValueNode): string | undefined {
  if (rule.kind !== Kind.OBJECT) return undefined;
  const value = rule.fields.find((field) => field.name.value === "name")?.value;
  return value?.kind === Kind.STRING ? value.value.toLowerCase() : undefined;
}

function argument(node: DirectiveNode, name: string): ArgumentNode | undefined {
  return node.arguments?.find((arg) => arg.name.value === name);
}

/** The `@rest` fields that name this upstream (or name none, when it is the only one). */
function usersOf(name: string, document: DocumentNode, onlyUpstream: boolean): string[] {
  const users: string[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    for (const field of definition.fields ?? []) {
      const rest = field.directives?.find((d) => d.name.value === "rest");
      const upstream = rest && argument(rest, "upstream")?.value;
      if (rest && (upstream === undefined ? onlyUpstream : upstream.kind === Kind.STRING && upstream.value === name))
        users.push(`${definition.name.value}.${field.name.value}`);
    }
  }
  return users;
}
