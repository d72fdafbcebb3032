/** One entry of a FastAPI 422 answer (pydantic v2 wording). */
export interface ValidationIssue {
  type: string;
  loc: (string | number)[];
  msg: string;
  input?: unknown;
  ctx?: Record<string, unknown>;
}

/**
 * An error answer in FastAPI's shape, `{"detail": ...}`: a message, or the list of
 * validation issues for a 422. Route handlers throw it; the server serialises it.
 */
export class DemoHttpError extends Error {
  readonly status: number;
  readonly detail: string | ValidationIssue[];
  readonly headers: Record<string, string>;

  constructor(status: number, detail: string | ValidationIssue[], headers: Record<string, string> = {}) {
    super(typeof detail === "string" ? detail : `Validation failed: ${detail.map((issue) => issue.msg).join("; ")}`);
    this.name = "DemoHttpError";
    this.status = status;
    this.detail = detail;
    this.headers = headers;
  }
}

export function notFound(detail: string): DemoHttpError {
  return new DemoHttpError(404, detail);
}

export function unprocessable(...issues: ValidationIssue[]): DemoHttpError {
  return new DemoHttpError(422, issues);
}

/** Throws a 422 when any issue was collected. */
export function assertNoIssues(issues: ValidationIssue[]): void {
  if (issues.length > 0) throw unprocessable(...issues);
}
