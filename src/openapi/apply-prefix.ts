import { OpenApiImportError } from "./openapi-import-error.js";
import type { SdlDocument, SdlField, SdlInputValue } from "./sdl-model.js";

/**
 * `--prefix airflow`: every type the import made (not the shared scalars such as `JSON`) is
 * renamed `Airflow<Name>` and every root field `airflow<Name>`, so that documents imported into
 * one schema folder cannot collide (a type defined in several files is otherwise merged).
 */
export function applyPrefix(document: SdlDocument, prefix: string): SdlDocument {
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(prefix)) {
    throw new OpenApiImportError(
      `--prefix must be letters and digits, starting with a letter (it begins type and field names), received ${JSON.stringify(prefix)}`,
    );
  }
  const typePrefix = prefix[0]!.toUpperCase() + prefix.slice(1);
  const fieldPrefix = prefix[0]!.toLowerCase() + prefix.slice(1);
  const renamed = new Map(document.types.filter((type) => type.kind !== "scalar").map((type) => [type.name, typePrefix + type.name]));
  const retype = (reference: string) => reference.replace(/[A-Za-z_][A-Za-z0-9_]*/, (name) => renamed.get(name) ?? name);
  const input = (value: SdlInputValue): SdlInputValue => ({ ...value, type: retype(value.type) });
  const field = (value: SdlField): SdlField => ({ ...value, type: retype(value.type), args: value.args.map(input) });
  const root = (value: SdlField): SdlField => ({ ...field(value), name: fieldPrefix + value.name[0]!.toUpperCase() + value.name.slice(1) });
  return {
    ...document,
    query: document.query.map(root),
    mutation: document.mutation.map(root),
    ...(document.subscription === undefined ? {} : { subscription: document.subscription.map(root) }),
    types: document.types.map((type) => {
      const name = renamed.get(type.name) ?? type.name;
      switch (type.kind) {
        case "object":
          return { ...type, name, fields: type.fields.map(field) };
        case "input":
          return { ...type, name, fields: type.fields.map(input) };
        case "union":
          return { ...type, name, members: type.members.map(retype) };
        default:
          return { ...type, name };
      }
    }),
  };
}
