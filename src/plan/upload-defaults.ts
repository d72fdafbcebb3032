/** The limits of GraphQL multipart requests (uploads), after defaults: see UploadOptions. */
export interface UploadLimits {
  /** Bytes of one file part. */
  maxFileBytes: number;
  /** File parts in one request. */
  maxFiles: number;
  /** Bytes of spilled parts (files waiting on disk for their turn) across every request of the instance. */
  maxSpillBytes: number;
}

/** Every default of `createTrestle({ uploads })` and `trestle serve --max-file-bytes --max-files`, in one place. */
export const uploadDefaults: Readonly<UploadLimits> = {
  maxFileBytes: 50 * 1024 * 1024,
  maxFiles: 10,
  maxSpillBytes: 1024 * 1024 * 1024,
};
