/**
 * The SDL the importer writes, as plain data: the mappers fill it, `printSdl` formats it. Types
 * hold their fields in the order the spec gave them; the printer decides the layout.
 */

/** A GraphQL value in a directive argument. */
export type SdlValue = string | number | boolean | { enum: string } | SdlValue[] | { fields: Array<[string, SdlValue]> };

export interface SdlDirective {
  name: string;
  args: Array<[string, SdlValue]>;
}

export interface SdlInputValue {
  name: string;
  description?: string;
  /** A type reference as written in SDL: `Int`, `[Pet!]!`. */
  type: string;
  defaultValue?: SdlValue;
  directives: SdlDirective[];
}

export interface SdlField {
  name: string;
  description?: string;
  args: SdlInputValue[];
  type: string;
  directives: SdlDirective[];
  /** `#` lines printed above the field (why something was left out or changed). */
  comments: string[];
}

export interface SdlEnumValue {
  name: string;
  description?: string;
  directives: SdlDirective[];
}

interface SdlTypeBase {
  name: string;
  description?: string;
  /** `#` lines printed above the type. */
  comments: string[];
}

export type SdlType =
  | (SdlTypeBase & { kind: "object"; fields: SdlField[] })
  | (SdlTypeBase & { kind: "input"; fields: SdlInputValue[] })
  | (SdlTypeBase & { kind: "enum"; values: SdlEnumValue[] })
  | (SdlTypeBase & { kind: "union"; members: string[] })
  | (SdlTypeBase & { kind: "scalar"; directives: SdlDirective[] });

export interface SdlDocument {
  /** `#` lines at the top of the file. */
  header: string[];
  /** Directives on `extend schema` (the `@upstream`). */
  schemaDirectives: SdlDirective[];
  /** Directive definitions the output needs beyond Trestle's own, as SDL text. */
  directiveDefinitions: string[];
  /** `#` lines listing what was not imported, printed before the root types. */
  skipped: string[];
  query: SdlField[];
  mutation: SdlField[];
  /** Operations that answer a stream; optional so that documents made without them still print. */
  subscription?: SdlField[];
  types: SdlType[];
}
