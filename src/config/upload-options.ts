import { TrestleError } from "../errors.js";
import { uploadDefaults, type UploadLimits } from "../plan/upload-defaults.js";

/** Limits of GraphQL multipart requests (file uploads), enforced on the upload route. */
export interface UploadOptions {
  /** Bytes of one file part; past it the request is refused with 413 UPLOAD_TOO_LARGE. @default 52428800 (50 MiB) */
  maxFileBytes?: number;
  /** File parts in one request; past it 413 UPLOAD_TOO_LARGE. @default 10 */
  maxFiles?: number;
  /**
   * Bytes of file parts waiting on disk for their turn (a part sent before the one its operation
   * reads first, or given to several variables), across every request of the instance; past it
   * the request fails with 413 UPLOAD_TOO_LARGE. @default 1073741824 (1 GiB)
   */
  maxSpillBytes?: number;
}

/** Fills defaults and refuses values that are not positive integers, naming the option. */
export function normalizeUploads(options: UploadOptions | undefined): UploadLimits {
  const limits: UploadLimits = { ...uploadDefaults };
  for (const [name, value] of Object.entries(options ?? {})) {
    if (!(name in uploadDefaults)) {
      throw new TrestleError("CONFIG_INVALID", `uploads.${name} is not an upload limit (known: ${Object.keys(uploadDefaults).join(", ")})`);
    }
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
      throw new TrestleError("CONFIG_INVALID", `uploads.${name} must be a positive integer, received ${JSON.stringify(value)}`);
    }
    limits[name as keyof UploadLimits] = value;
  }
  return limits;
}
