import type { TemplatePart } from "../template/parse-template.js";
import type { RestPlan } from "../plan/schema-plan.js";

/** What the cost reads of a `@rest` field. */
export interface CostPlan {
  /** Batched: the most keys per call, and the argument path (`["ids"]`) of a key read from the arguments. */
  batch: { maxSize: number; keyArgument: readonly string[] | undefined } | undefined;
  /** The `{args.X}` paths of an unbatched field's URL: a list there (`?ids={args.ids}`) sizes its answer. */
  listArguments: readonly (readonly string[])[];
  /** `paginate:`: a connection, sized by its `first` (or `last`); its edges and nodes are that page. */
  paginated?: boolean;
}

/** Cost plans by coordinate ("Query.users"), made once per instance. */
export function buildCostPlans(restFields: readonly RestPlan[]): ReadonlyMap<string, CostPlan> {
  return new Map(
    restFields.map((plan): [string, CostPlan] => {
      if (plan.batch) {
        const key = plan.batch.keyVariable;
        return [
          plan.coordinate,
          { batch: { maxSize: plan.batch.maxSize, keyArgument: key.root === "args" ? key.path : undefined }, listArguments: [] },
        ];
      }
      const parts: TemplatePart[] = [...plan.url.path, ...plan.url.query.flatMap((param) => param.value)];
      const listArguments = parts.flatMap((part) => (typeof part !== "string" && part.root === "args" ? [part.path] : []));
      return [plan.coordinate, { batch: undefined, listArguments, paginated: plan.paginate !== undefined }];
    }),
  );
}
