import {
  getNamedType,
  getNullableType,
  isInputObjectType,
  isListType,
  isScalarType,
  type ASTNode,
  type DirectiveNode,
  type GraphQLArgument,
  type GraphQLInputType,
} from "graphql";
import { parseTemplate, type ParsedTemplate, type TemplateVariable } from "../template/parse-template.js";
import type { FormEncoding, FormPartPlan, FormPlan } from "../plan/form-plan.js";
import type { HttpMethod } from "../plan/schema-plan.js";
import type { DiagnosticList } from "./diagnostics.js";
import { argumentNode } from "./read-upstreams.js";

export interface FormSite {
  method: HttpMethod;
  /** The field also has `body:`. */
  hasBody: boolean;
  coordinate: string;
  args: readonly GraphQLArgument[];
  /** Reports template variables the field cannot supply (read-rest-field's checker). */
  check(template: ParsedTemplate, node: ASTNode): void;
}

/**
 * `@rest(form:, formEncoding:)`, checked: not with `body`, not on GET or HEAD; each value a
 * template over the field's arguments (unknown ones reported like anywhere else); an argument
 * of type `Upload` (or a list of them) only as a part's whole value (`"{args.image}"`), and
 * never in a URLENCODED form. `formEncoding` without `form` is an error too.
 */
export function readForm(
  values: Record<string, unknown>,
  node: DirectiveNode,
  form: FormSite,
  diagnostics: DiagnosticList,
): FormPlan | undefined {
  const raw = values["form"] as Array<{ name: string; value: string }> | null | undefined;
  const encoding = (values["formEncoding"] as FormEncoding | null | undefined) ?? undefined;
  const formNode = argumentNode(node, "form") ?? node;
  const where = `@rest on ${form.coordinate}`;
  if (raw === undefined || raw === null) {
    if (encoding !== undefined)
      diagnostics.error(argumentNode(node, "formEncoding") ?? node, `${where} sets formEncoding without form: [{ name, value }]`);
    return undefined;
  }
  let ok = true;
  const error = (message: string) => {
    ok = false;
    diagnostics.error(formNode, message);
  };
  if (form.hasBody) error(`${where} has both body and form: a request has one body; keep one of them`);
  if (form.method === "GET" || form.method === "HEAD")
    error(`${where}: method ${form.method} cannot send a form; use method: POST (or PUT, PATCH)`);
  if (raw.length === 0) error(`${where}: form lists no parts`);
  const parts: FormPartPlan[] = [];
  for (const { name, value } of raw) {
    if (name === "") error(`${where}: a form part needs a name`);
    const { template, problems } = parseTemplate(value);
    for (const problem of problems) diagnostics.error(formNode, problem.message, problem.offset);
    if (problems.length > 0) ok = false;
    form.check(template, formNode);
    const only = template.parts.length === 1 && typeof template.parts[0] !== "string" ? template.parts[0] : undefined;
    const part: FormPartPlan = { name, value: template };
    for (const variable of template.variables) {
      if (!isUpload(variable, form.args)) continue;
      if (variable !== only)
        error(
          `${where}: form part "${name}" uses Upload ${variable.source} inside "${value}"; an Upload must be a part's whole value ("${variable.source}")`,
        );
      else if (encoding === "URLENCODED")
        error(
          `${where}: form part "${name}" sends Upload ${variable.source}, but formEncoding: URLENCODED carries text only; use MULTIPART`,
        );
      else part.upload = variable;
    }
    parts.push(part);
  }
  return ok ? { encoding: encoding ?? "MULTIPART", parts } : undefined;
}

/** Whether `{args.X…}` reads a value of the `Upload` scalar (or a list of them). */
function isUpload(variable: TemplateVariable, args: readonly GraphQLArgument[]): boolean {
  if (variable.root !== "args") return false;
  const arg = args.find((a) => a.name === variable.path[0]);
  if (arg === undefined) return false;
  let type: GraphQLInputType = arg.type;
  for (const key of variable.path.slice(1)) {
    const named = getNamedType(type);
    if (!isInputObjectType(named)) return false;
    const field = named.getFields()[key];
    if (field === undefined) return false;
    type = field.type;
  }
  const inner = getNullableType(type);
  const named = getNamedType(isListType(inner) ? inner.ofType : inner);
  return isScalarType(named) && named.name === "Upload";
}
