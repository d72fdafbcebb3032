import { createReadStream, createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";

/** A file part written to a temporary file, to be read back once whole. */
export interface SpilledFile {
  /** Resolves once the part is written whole; rejects when it failed (the request's error). */
  readonly written: Promise<void>;
  /** The part's bytes, read from the file (after `written`). */
  read(): AsyncIterable<Uint8Array>;
  /** Deletes the file (whatever state it is in); never rejects. */
  remove(): Promise<void>;
}

/**
 * Writes `stream` to a new file in the OS temporary folder (`os.tmpdir()`, readable by this
 * user only, a random name): the request's parser moves on while the part waits there, never in
 * memory. The request's route deletes it once the request is over.
 */
export function spillToFile(stream: Readable): SpilledFile {
  const path = join(tmpdir(), `trestle-upload-${randomUUID()}`);
  const written = pipeline(stream, createWriteStream(path, { flags: "wx", mode: 0o600 }));
  // Whoever reads the file sees the failure through `written`; nobody may be waiting.
  written.catch(() => undefined);
  return {
    written,
    read: () => createReadStream(path),
    remove: () => rm(path, { force: true }).catch(() => undefined),
  };
}
