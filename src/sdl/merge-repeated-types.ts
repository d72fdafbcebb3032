import {
  Kind,
  print,
  type DefinitionNode,
  type DocumentNode,
  type EnumValueDefinitionNode,
  type FieldDefinitionNode,
  type InputValueDefinitionNode,
  type NamedTypeNode,
  type ScalarTypeDefinitionNode,
} from "graphql";
import type { DiagnosticList } from "./diagnostics.js";

/** Each imported document has these; they share no field and are meant to merge. */
const rootTypeNames = new Set(["Query", "Mutation", "Subscription"]);

type Member = FieldDefinitionNode | InputValueDefinitionNode | EnumValueDefinitionNode | NamedTypeNode;

/** What one type name has gathered so far: its kind, the file that first defined it, its members by name. */
interface Seen {
  kind: DefinitionNode["kind"];
  file: string;
  members: Map<string, { printed: string; file: string }>;
  /** A scalar's definition as printed without its description. */
  printed?: string;
}

/** The type definitions that merge (scalars aside): each has an extension form. */
const mergeableKinds = new Set<DefinitionNode["kind"]>([
  Kind.OBJECT_TYPE_DEFINITION,
  Kind.INTERFACE_TYPE_DEFINITION,
  Kind.INPUT_OBJECT_TYPE_DEFINITION,
  Kind.ENUM_TYPE_DEFINITION,
  Kind.UNION_TYPE_DEFINITION,
]);

/**
 * Lets the files of a schema folder define the same type, as several imported OpenAPI documents
 * do (each has its `Query`, `Mutation`, `JSON` scalar, and FastAPI's `HTTPValidationError`). A
 * type defined again in another file, with the same kind, is merged into the first definition:
 * members (fields, input fields, enum values, union members) it does not have yet are added;
 * members both define must be identical apart from descriptions, else it is an error naming
 * both files; a field both define is left to mergeRepeatedFields (same signature: the
 * directives add up). A scalar defined again must be defined the same way, and is then dropped. Two
 * object types that share no member are merged too, with a warning: they may be different
 * things that happen to share a name. Within one file, and between
 * different kinds, the GraphQL rules stand: a second definition is the usual duplicate error.
 */
export function mergeRepeatedTypes(documents: readonly DocumentNode[], diagnostics: DiagnosticList): DocumentNode[] {
  const seen = new Map<string, Seen>();
  return documents.map((document) => {
    let changed = false;
    const definitions: DefinitionNode[] = [];
    for (const definition of document.definitions) {
      const merged = merge(definition, seen, diagnostics);
      if (merged !== definition) changed = true;
      if (merged !== undefined) definitions.push(merged);
    }
    return changed ? { ...document, definitions } : document;
  });
}

function merge(definition: DefinitionNode, seen: Map<string, Seen>, diagnostics: DiagnosticList): DefinitionNode | undefined {
  if (!("name" in definition) || definition.name === undefined || !isTypeDefinition(definition)) return definition;
  const name = definition.name.value;
  const file = definition.loc?.source.name ?? "<sdl>";
  const first = seen.get(name);
  if (first === undefined) {
    const members = new Map(membersOf(definition).map((m) => [memberName(m), { printed: printMember(m), file }]));
    seen.set(name, {
      kind: definition.kind,
      file,
      members,
      ...(definition.kind === Kind.SCALAR_TYPE_DEFINITION ? { printed: printScalar(definition) } : {}),
    });
    return definition;
  }
  // Same file, or another kind of type: left for the GraphQL validation to report.
  if (first.file === file || first.kind !== definition.kind) return definition;
  if (definition.kind === Kind.SCALAR_TYPE_DEFINITION) {
    if (printScalar(definition) === first.printed) return undefined;
    diagnostics.error(
      definition,
      `scalar ${name} is defined in ${first.file} and again, differently, here; define it once, or the same way in both files`,
    );
    return undefined;
  }
  const added: Member[] = [];
  const members = membersOf(definition);
  const disjoint =
    !rootTypeNames.has(name) && members.length > 0 && first.members.size > 0 && members.every((m) => !first.members.has(memberName(m)));
  if (disjoint) {
    diagnostics.warning(
      definition,
      `${name} is also defined in ${first.file}, with no member in common: the two are merged into one type; if they are different things, import one document with --prefix`,
    );
  }
  for (const member of members) {
    const key = memberName(member);
    const printed = printMember(member);
    const earlier = first.members.get(key);
    if (
      member.kind === Kind.FIELD_DEFINITION &&
      (definition.kind === Kind.OBJECT_TYPE_DEFINITION || definition.kind === Kind.INTERFACE_TYPE_DEFINITION)
    ) {
      // A field declared again adds its directives, or differs: mergeRepeatedFields decides.
      if (earlier === undefined) first.members.set(key, { printed, file });
      added.push(member);
    } else if (earlier === undefined) {
      first.members.set(key, { printed, file });
      added.push(member);
    } else if (earlier.printed !== printed) {
      diagnostics.error(
        member,
        `${name}.${key} is defined in ${earlier.file} and again, differently, here; a type defined in several files is merged, so a member both define must be the same (import one document with --prefix to keep their types apart)`,
      );
    }
  }
  if (added.length === 0 && (definition.directives ?? []).length === 0) return undefined;
  return toExtension(definition, added);
}

type TypeDefinition = Extract<
  DefinitionNode,
  {
    kind:
      | Kind.OBJECT_TYPE_DEFINITION
      | Kind.INTERFACE_TYPE_DEFINITION
      | Kind.INPUT_OBJECT_TYPE_DEFINITION
      | Kind.ENUM_TYPE_DEFINITION
      | Kind.UNION_TYPE_DEFINITION
      | Kind.SCALAR_TYPE_DEFINITION;
  }
>;

function isTypeDefinition(definition: DefinitionNode): definition is TypeDefinition {
  return definition.kind === Kind.SCALAR_TYPE_DEFINITION || mergeableKinds.has(definition.kind);
}

function membersOf(definition: TypeDefinition): readonly Member[] {
  switch (definition.kind) {
    case Kind.OBJECT_TYPE_DEFINITION:
    case Kind.INTERFACE_TYPE_DEFINITION:
      return [...(definition.fields ?? []), ...(definition.interfaces ?? [])];
    case Kind.INPUT_OBJECT_TYPE_DEFINITION:
      return definition.fields ?? [];
    case Kind.ENUM_TYPE_DEFINITION:
      return definition.values ?? [];
    case Kind.UNION_TYPE_DEFINITION:
      return definition.types ?? [];
    default:
      return [];
  }
}

/** Interfaces and union members are named types: keyed apart from fields of the same name. */
function memberName(member: Member): string {
  return member.kind === Kind.NAMED_TYPE ? `<${member.name.value}>` : member.name.value;
}

function printScalar(definition: ScalarTypeDefinitionNode): string {
  const { description: _description, ...rest } = definition;
  return print(rest as ScalarTypeDefinitionNode);
}

function printMember(member: Member): string {
  if (member.kind === Kind.NAMED_TYPE) return print(member);
  const { description: _description, ...rest } = member;
  return print(rest as Member);
}

/** The later definition as an extension holding only what it adds (and its own directives). */
function toExtension(definition: Exclude<TypeDefinition, { kind: Kind.SCALAR_TYPE_DEFINITION }>, added: readonly Member[]): DefinitionNode {
  const base = {
    name: definition.name,
    ...(definition.directives ? { directives: definition.directives } : {}),
    ...(definition.loc ? { loc: definition.loc } : {}),
  };
  const named = added.filter((m): m is NamedTypeNode => m.kind === Kind.NAMED_TYPE);
  switch (definition.kind) {
    case Kind.OBJECT_TYPE_DEFINITION:
    case Kind.INTERFACE_TYPE_DEFINITION:
      return {
        ...base,
        kind: definition.kind === Kind.OBJECT_TYPE_DEFINITION ? Kind.OBJECT_TYPE_EXTENSION : Kind.INTERFACE_TYPE_EXTENSION,
        interfaces: named,
        fields: added.filter((m): m is FieldDefinitionNode => m.kind === Kind.FIELD_DEFINITION),
      };
    case Kind.INPUT_OBJECT_TYPE_DEFINITION:
      return { ...base, kind: Kind.INPUT_OBJECT_TYPE_EXTENSION, fields: added as InputValueDefinitionNode[] };
    case Kind.ENUM_TYPE_DEFINITION:
      return { ...base, kind: Kind.ENUM_TYPE_EXTENSION, values: added as EnumValueDefinitionNode[] };
    case Kind.UNION_TYPE_DEFINITION:
      return { ...base, kind: Kind.UNION_TYPE_EXTENSION, types: named };
  }
}
