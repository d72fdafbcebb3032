import { Kind, type FragmentDefinitionNode, type SelectionSetNode, type ValidationRule } from "graphql";
import { createLimitError } from "./limit-error.js";

/** MAX_ROOT_FIELDS_LIMIT: root fields of one operation, through fragments, `__typename` aside. */
export function createMaxRootFieldsRule(max: number): ValidationRule {
  return (context) => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    const count = (set: SelectionSetNode, seen: Set<string>): number =>
      set.selections.reduce((total, selection) => {
        if (selection.kind === Kind.FIELD) return total + (selection.name.value === "__typename" ? 0 : 1);
        if (selection.kind === Kind.INLINE_FRAGMENT) return total + count(selection.selectionSet, seen);
        const fragment = fragments.get(selection.name.value);
        if (!fragment || seen.has(fragment.name.value)) return total;
        return total + count(fragment.selectionSet, new Set(seen).add(fragment.name.value));
      }, 0);
    return {
      OperationDefinition(node) {
        const found = count(node.selectionSet, new Set());
        if (found > max) {
          context.reportError(createLimitError("MAX_ROOT_FIELDS_LIMIT", `Operation has ${found} root fields; the limit is ${max}.`, node));
        }
      },
    };
  };
}
