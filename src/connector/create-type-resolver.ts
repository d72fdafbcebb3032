import { getNullableType, isNonNullType, type GraphQLAbstractType, type GraphQLSchema } from "graphql";
import type { SchemaPlan } from "../plan/schema-plan.js";
import { readPath } from "../template/parse-template.js";

/**
 * Picks the object type of a union or interface member from its JSON, since REST answers carry
 * no `__typename`: a `__typename` that names a possible type wins; otherwise the possible type
 * whose non-null fields are all present, and then the most of whose fields are present.
 */
export function createTypeResolver(
  type: GraphQLAbstractType,
  schema: GraphQLSchema,
  plan: SchemaPlan,
): (value: unknown) => string | undefined {
  const candidates = schema.getPossibleTypes(type).map((objectType) => {
    const keyPaths = plan.keyPaths.get(objectType.name);
    const fields = Object.values(objectType.getFields()).map((field) => ({
      paths: keyPaths?.get(field.name) ?? [[field.name]],
      required: isNonNullType(field.type) && getNullableType(field.type) !== undefined,
    }));
    return { name: objectType.name, fields };
  });
  const names = new Set(candidates.map((c) => c.name));
  return (value) => {
    if (value === null || typeof value !== "object") return undefined;
    const typename = (value as { __typename?: unknown }).__typename;
    if (typeof typename === "string" && names.has(typename)) return typename;
    let best: { name: string; score: number } | undefined;
    for (const candidate of candidates) {
      let score = 0;
      let complete = true;
      for (const field of candidate.fields) {
        const present = field.paths.some((path) => readPath(value, path) !== undefined);
        if (present) score++;
        else if (field.required) complete = false;
      }
      const ranked = (complete ? 1_000_000 : 0) + score;
      if (best === undefined || ranked > best.score) best = { name: candidate.name, score: ranked };
    }
    return best?.name;
  };
}
