import { createReadStream, createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { pipeline } from "node:stream/promises";
import { Transform, type Readable } from "node:stream";
import type { SpillRoom } from "./spill-room.js";
import { UploadRequestError } from "./upload-request-error.js";

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
 * memory. The request's route deletes it once the request is over. Each byte takes `room`
 * until then; once the room is full the rest of the part is read and thrown away (never left
 * blocking the parser) and `written` rejects with 413 UPLOAD_TOO_LARGE.
 */
export function spillToFile(stream: Readable, room: SpillRoom): SpilledFile {
  const path = join(tmpdir(), `trestle-upload-${randomUUID()}`);
  let taken = 0;
  let full = false;
  let removed = false;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (full || removed || !room.take(chunk.length)) {
        full ||= !removed;
        done();
        return;
      }
      taken += chunk.length;
      done(null, chunk);
    },
  });
  const written = pipeline(stream, count, createWriteStream(path, { flags: "wx", mode: 0o600 })).then(() => {
    if (full) {
      throw new UploadRequestError(
        "UPLOAD_TOO_LARGE",
        `Files waiting on disk for their turn (sent in another order than the operation uses them, or given to several variables) reached this server's limit of ${room.maxBytes} bytes (uploads.maxSpillBytes): send files in the order the operation uses them, or retry later.`,
      );
    }
  });
  // Whoever reads the file sees the failure through `written`; nobody may be waiting.
  written.catch(() => undefined);
  return {
    written,
    read: () => createReadStream(path),
    remove: () => {
      removed = true;
      room.give(taken);
      taken = 0;
      return rm(path, { force: true }).catch(() => undefined);
    },
  };
}
