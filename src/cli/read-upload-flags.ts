import type { UploadOptions } from "../config/upload-options.js";
import { uploadDefaults } from "../plan/upload-defaults.js";

/** `trestle serve --max-file-bytes --max-files`: their lines of `--help`. */
export const uploadFlagsUsage = `  --max-file-bytes N      largest file in a GraphQL multipart upload; larger ones get 413 (default: ${uploadDefaults.maxFileBytes})
  --max-files N           most files in one upload request (default: ${uploadDefaults.maxFiles})`;

/** The flags as `createTrestle({ uploads })`, or the message for one that is not a positive integer. */
export function readUploadFlags(values: {
  "max-file-bytes"?: string | undefined;
  "max-files"?: string | undefined;
}): UploadOptions | string {
  const uploads: UploadOptions = {};
  for (const [flag, option] of [
    ["max-file-bytes", "maxFileBytes"],
    ["max-files", "maxFiles"],
  ] as const) {
    const text = values[flag];
    if (text === undefined) continue;
    const value = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1)
      return `trestle serve: --${flag} must be a positive integer, received "${text}"`;
    uploads[option] = value;
  }
  return uploads;
}
