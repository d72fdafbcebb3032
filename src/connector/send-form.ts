import type { FormPlan } from "../plan/form-plan.js";
import type { OperationContext } from "../loader/operation-context.js";
import type { UpstreamRequest } from "../upstream/upstream-request.js";
import type { UpstreamResponse } from "../upstream/collect-answer.js";
import { encodeMultipart, encodeUrlEncoded, type FormPart } from "../uploads/encode-form-body.js";
import { Upload } from "../uploads/upload.js";
import { readScopeVariable, type TemplateScope } from "./build-request.js";

/**
 * Sends a `form:` field's request: its parts rendered for this scope (a part whose variable is
 * null or absent is left out), as `application/x-www-form-urlencoded` or
 * `multipart/form-data`. A form of text parts is in memory and goes like any other call (the
 * method's retry rule); one with files streams them from the client's request to the upstream
 * as it reads them, and is sent once (loadStreamed).
 */
export function sendForm(
  operation: OperationContext,
  request: UpstreamRequest,
  form: FormPlan,
  scope: TemplateScope,
): Promise<UpstreamResponse> {
  const parts = renderForm(form, scope);
  if (form.encoding === "URLENCODED") {
    request.headers["content-type"] = "application/x-www-form-urlencoded";
    request.body = encodeUrlEncoded(parts);
    return operation.load(request);
  }
  const encoded = encodeMultipart(parts);
  request.headers["content-type"] = encoded.contentType;
  if (encoded.text !== undefined) {
    request.body = encoded.text;
    return operation.load(request);
  }
  return operation.loadStreamed(request, encoded.stream);
}

function renderForm(form: FormPlan, scope: TemplateScope): FormPart[] {
  const parts: FormPart[] = [];
  for (const part of form.parts) {
    if (part.upload !== undefined) {
      const value = readScopeVariable(part.upload, scope);
      const files = (Array.isArray(value) ? value : [value]).filter((item): item is Upload => item instanceof Upload);
      if (files.length > 0) parts.push({ name: part.name, value: files });
      continue;
    }
    let text = "";
    let absent = false;
    for (const piece of part.value.parts) {
      if (typeof piece === "string") {
        text += piece;
        continue;
      }
      const value = readScopeVariable(piece, scope);
      if (value === null || value === undefined) absent = true;
      else text += typeof value === "object" ? JSON.stringify(value) : String(value);
    }
    if (!absent) parts.push({ name: part.name, value: text });
  }
  return parts;
}
