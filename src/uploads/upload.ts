import type { Readable } from "node:stream";
import { TrestleError } from "../errors.js";
import { spillToFile, type SpilledFile } from "./spill-to-file.js";
import type { SpillRoom } from "./spill-room.js";

/** A file as an upstream call sends it: what the client said of it, and its bytes as they arrive. */
export interface UploadedFile {
  /** The client's filename (for the part header only: never a path Trestle opens). */
  filename: string;
  /** The client's media type for the file. */
  mimetype: string;
  /** The file's bytes; read it once. Fails when the request turns out malformed or over a limit. */
  stream: AsyncIterable<Uint8Array>;
}

/** What the request's reader tells an Upload: someone waits for a later part, or the operation is over. */
export interface UploadCoordinator {
  /** An upload nobody has asked for yet blocks the parser: is anyone waiting for a part after it? */
  waiting(): boolean;
  /** `upload` is wanted but has not arrived: every part held before it must spill. */
  wanted(upload: Upload): void;
  /** The operation has finished: parts still to come are read and thrown away. */
  readonly over: boolean;
  /** The list of spilled files to delete once the request ends. */
  readonly spills: SpilledFile[];
  /** The instance's room on disk that spilled parts take. */
  readonly room: SpillRoom;
}

type State =
  | { kind: "pending" }
  | { kind: "held"; file: Arrived }
  | { kind: "taken"; stream: Readable }
  | { kind: "spilled"; file: Arrived; spill: SpilledFile }
  | { kind: "discarded" }
  | { kind: "failed"; error: unknown };

interface Arrived {
  filename: string;
  mimetype: string;
  stream: Readable;
}

/**
 * The value of an `Upload` variable: one file part of a GraphQL multipart request, named by
 * its key in `map`. Parts arrive in order, after the operation has started; `file()` waits for
 * this one. A part that one call wants streams straight from the request to that call, with
 * backpressure; a part that arrives while a later part is wanted (or that `map` gives to
 * several variables) is spilled to a temporary file (never held in memory) and read from
 * there once it has arrived whole; a part nobody asks for before the operation ends is read
 * and thrown away.
 */
export class Upload {
  /** The part's name in the request (a key of `map`). */
  readonly part: string;
  /** How many variable positions `map` gives this part. */
  readonly references: number;
  readonly #coordinator: UploadCoordinator;
  #state: State = { kind: "pending" };
  #waiters: Array<() => void> = [];

  constructor(part: string, references: number, coordinator: UploadCoordinator) {
    this.part = part;
    this.references = references;
    this.#coordinator = coordinator;
  }

  /** Whether a caller waits for this part, which has not arrived yet. */
  get wanted(): boolean {
    return this.#state.kind === "pending" && this.#waiters.length > 0;
  }

  /** Whether this part arrived and waits, unread, for its caller (it holds the parser). */
  get held(): boolean {
    return this.#state.kind === "held";
  }

  /** The file, once its part has arrived; rejects when the request fails before or meanwhile. */
  async file(): Promise<UploadedFile> {
    if (this.#state.kind === "pending") {
      const arrived = new Promise<void>((resolve) => this.#waiters.push(resolve));
      this.#coordinator.wanted(this);
      await arrived;
    }
    const state = this.#state;
    switch (state.kind) {
      case "held":
        this.#state = { kind: "taken", stream: state.file.stream };
        return { filename: state.file.filename, mimetype: state.file.mimetype, stream: drainOnExit(state.file.stream) };
      case "spilled":
        await state.spill.written;
        return { filename: state.file.filename, mimetype: state.file.mimetype, stream: state.spill.read() };
      case "failed":
        throw state.error;
      default:
        throw new TrestleError(
          "BAD_USER_INPUT",
          `File part "${this.part}" was already sent: an Upload goes to one upstream call (map it to several variables to send it more than once).`,
        );
    }
  }

  /** The part has arrived (the request's reader calls this). */
  arrive(file: Arrived): void {
    if (this.#state.kind !== "pending") return void file.stream.resume();
    if (this.#coordinator.over) {
      this.#state = { kind: "discarded" };
      file.stream.resume();
    } else if (this.references > 1 || (this.#waiters.length === 0 && this.#coordinator.waiting())) this.#state = this.#spilled(file);
    else this.#state = { kind: "held", file };
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Its call is over, whether it read the whole part or not: the rest of the part is thrown away. */
  release(): void {
    if (this.#state.kind === "taken" && !this.#state.stream.destroyed) this.#state.stream.resume();
  }

  /** Frees the parser: a held part goes to a temporary file. */
  spill(): void {
    if (this.#state.kind === "held") this.#state = this.#spilled(this.#state.file);
  }

  /**
   * The operation is over: a held part is read and thrown away, and so is the rest of a part
   * whose call stopped reading it (an upstream that failed, or answered early).
   */
  discard(): void {
    if (this.#state.kind === "held") this.#state.file.stream.resume();
    this.release();
    if (this.#state.kind === "held" || this.#state.kind === "pending") this.#state = { kind: "discarded" };
  }

  /** The request failed: callers waiting, and those to come, get `error`. */
  fail(error: unknown): void {
    if (this.#state.kind === "held") this.#state.file.stream.resume();
    if (this.#state.kind === "pending" || this.#state.kind === "held") this.#state = { kind: "failed", error };
    for (const wake of this.#waiters.splice(0)) wake();
  }

  #spilled(file: Arrived): State {
    const spill = spillToFile(file.stream, this.#coordinator.room);
    this.#coordinator.spills.push(spill);
    return { kind: "spilled", file, spill };
  }
}

/**
 * A part's bytes for its one call. Whatever ends the read early (the upstream answered before
 * the body's end, or failed), the rest of the part is read and thrown away, never left
 * blocking the parser, and the stream is not destroyed (busboy would wait for it forever).
 */
async function* drainOnExit(stream: Readable): AsyncGenerator<Uint8Array> {
  let whole = false;
  try {
    for await (const chunk of stream.iterator({ destroyOnReturn: false })) yield chunk as Uint8Array;
    whole = true;
  } finally {
    if (!whole && !stream.destroyed) stream.resume();
  }
}
