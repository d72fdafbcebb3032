import {
  Kind,
  print,
  type DefinitionNode,
  type ConstDirectiveNode,
  type DocumentNode,
  type FieldDefinitionNode,
  type InputValueDefinitionNode,
} from "graphql";
import { placeOf, type DiagnosticList } from "./diagnostics.js";

type FieldOwner = Extract<
  DefinitionNode,
  { kind: Kind.OBJECT_TYPE_DEFINITION | Kind.OBJECT_TYPE_EXTENSION | Kind.INTERFACE_TYPE_DEFINITION | Kind.INTERFACE_TYPE_EXTENSION }
>;

/** The first declaration of a field and what later declarations add to it. */
interface Home {
  owner: FieldOwner;
  node: FieldDefinitionNode;
  directives: ConstDirectiveNode[];
  description: FieldDefinitionNode["description"];
}

/**
 * Lets a field be declared again to add directives, so that edits to a generated file live in
 * another one that a re-import does not overwrite:
 *
 *   extend type Query { getModel(name: String!): Model @cache(maxAge: 60) }
 *
 * A field declared again in an extension (or in a type that another file defines too, which
 * mergeRepeatedTypes turns into an extension) with the same signature (arguments with the same
 * names, types and defaults, in any order; the same type) gives its directives to the first
 * declaration and is dropped. A directive on both is a conflict reported at both places; a
 * different signature is an error saying what differs. The first description wins. Within one
 * type definition, and between two definitions of a type in one file, the GraphQL rules stand.
 */
export function mergeRepeatedFields(documents: readonly DocumentNode[], diagnostics: DiagnosticList): DocumentNode[] {
  const homes = new Map<string, Home>();
  const dropped = new Set<FieldDefinitionNode>();
  for (const document of documents) {
    for (const owner of document.definitions.filter(isFieldOwner)) {
      const kind = owner.kind === Kind.OBJECT_TYPE_DEFINITION || owner.kind === Kind.OBJECT_TYPE_EXTENSION ? "type" : "interface";
      for (const node of owner.fields ?? []) {
        const key = `${kind} ${owner.name.value}.${node.name.value}`;
        const home = homes.get(key);
        if (home === undefined) homes.set(key, { owner, node, directives: [...(node.directives ?? [])], description: node.description });
        else if (home.owner !== owner && (isExtension(owner) || isExtension(home.owner))) {
          dropped.add(node);
          addTo(home, node, owner.name.value, diagnostics);
        }
      }
    }
  }
  if (dropped.size === 0) return [...documents];
  const replaced = new Map([...homes.values()].map((home) => [home.node, withAdditions(home)]));
  return documents.map((document) => ({
    ...document,
    definitions: document.definitions.flatMap((definition) => {
      if (!isFieldOwner(definition) || definition.fields === undefined) return [definition];
      const fields = definition.fields.filter((field) => !dropped.has(field)).map((field) => replaced.get(field) ?? field);
      const empty = fields.length === 0 && !definition.directives?.length && !definition.interfaces?.length;
      return isExtension(definition) && empty ? [] : [{ ...definition, fields }];
    }),
  }));
}

function addTo(home: Home, node: FieldDefinitionNode, typeName: string, diagnostics: DiagnosticList): void {
  const coordinate = `${typeName}.${home.node.name.value}`;
  const difference = differenceOf(home.node, node);
  if (difference !== undefined) {
    diagnostics.error(
      node,
      `${coordinate} is defined in ${home.node.loc?.source.name ?? "<sdl>"} and again, differently, here; ${difference}: to add directives to that field, declare it again with the same signature (extend type ${typeName} { ${signatureOf(home.node)} @… }); if they are different fields, rename one (for two imported documents, import one with --prefix)`,
    );
    return;
  }
  for (const directive of node.directives ?? []) {
    const earlier = home.directives.find((d) => d.name.value === directive.name.value);
    if (earlier === undefined) {
      home.directives.push(directive);
      continue;
    }
    const what = `@${directive.name.value} on ${coordinate}`;
    const imports = directive.name.value === "rest" ? " (two imported documents that define the same field: import one with --prefix)" : "";
    const rule = `a field declared again adds the directives it does not have yet, each directive once: keep one of the two${imports}`;
    diagnostics.error(earlier, `${what} is given here and again at ${placeOf(directive)}; ${rule}`);
    diagnostics.error(directive, `${what} is given here and already at ${placeOf(earlier)}; ${rule}`);
  }
  home.description ??= node.description;
}

/** What differs between two declarations of a field, or undefined when their signatures are the same. */
function differenceOf(first: FieldDefinitionNode, again: FieldDefinitionNode): string | undefined {
  const type = [print(first.type), print(again.type)];
  if (type[0] !== type[1]) return `its type is ${type[0]} there and ${type[1]} here`;
  const there = new Map((first.arguments ?? []).map((arg) => [arg.name.value, printArgument(arg)]));
  const here = new Map((again.arguments ?? []).map((arg) => [arg.name.value, printArgument(arg)]));
  for (const [name, printed] of there) {
    const other = here.get(name);
    if (other === undefined) return `argument ${name} (${printed}) is missing here`;
    if (other !== printed) return `argument ${name} is ${printed} there and ${other} here`;
  }
  const extra = [...here.keys()].find((name) => !there.has(name));
  return extra === undefined ? undefined : `argument ${extra} (${here.get(extra)}) is not there`;
}

/** An argument's type, default and directives: `Int = 20`. */
function printArgument(arg: InputValueDefinitionNode): string {
  const parts = [print(arg.type), ...(arg.defaultValue ? ["=", print(arg.defaultValue)] : []), ...(arg.directives ?? []).map(print)];
  return parts.join(" ");
}

function signatureOf(field: FieldDefinitionNode): string {
  const args = (field.arguments ?? []).map((arg) => `${arg.name.value}: ${printArgument(arg)}`);
  return `${field.name.value}${args.length > 0 ? `(${args.join(", ")})` : ""}: ${print(field.type)}`;
}

function withAdditions(home: Home): FieldDefinitionNode {
  const same = home.directives.length === (home.node.directives?.length ?? 0) && home.description === home.node.description;
  return same ? home.node : { ...home.node, directives: home.directives, ...(home.description ? { description: home.description } : {}) };
}

function isFieldOwner(definition: DefinitionNode): definition is FieldOwner {
  return (
    definition.kind === Kind.OBJECT_TYPE_DEFINITION ||
    definition.kind === Kind.OBJECT_TYPE_EXTENSION ||
    definition.kind === Kind.INTERFACE_TYPE_DEFINITION ||
    definition.kind === Kind.INTERFACE_TYPE_EXTENSION
  );
}

function isExtension(definition: FieldOwner): boolean {
  return definition.kind === Kind.OBJECT_TYPE_EXTENSION || definition.kind === Kind.INTERFACE_TYPE_EXTENSION;
}
