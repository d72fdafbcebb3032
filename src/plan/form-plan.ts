import type { ParsedTemplate, TemplateVariable } from "../template/parse-template.js";

/** How `form:` is encoded: `multipart/form-data` (files allowed) or `application/x-www-form-urlencoded`. */
export type FormEncoding = "MULTIPART" | "URLENCODED";

/** One `{ name, value }` of `@rest(form:)`. */
export interface FormPartPlan {
  name: string;
  /** The value template; a part whose variable is null or absent is left out. */
  value: ParsedTemplate;
  /** The value is exactly one `{args.X}` of type Upload or [Upload]: a file part per file. */
  upload?: TemplateVariable;
}

/** `@rest(form:, formEncoding:)`: the body as a form instead of JSON. */
export interface FormPlan {
  encoding: FormEncoding;
  parts: FormPartPlan[];
}
