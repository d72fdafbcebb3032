import { once } from "node:events";
import type { Readable, Writable } from "node:stream";
import busboy from "busboy";
import type { UploadLimits } from "../plan/upload-defaults.js";
import { Upload, type UploadCoordinator } from "./upload.js";
import type { SpilledFile } from "./spill-to-file.js";
import type { SpillRoom } from "./spill-room.js";
import { placeUpload, readMap, readOperations } from "./place-uploads.js";
import { echo, malformed, UploadRequestError } from "./upload-request-error.js";

/** A GraphQL multipart request whose `operations` and `map` have been read; its files still arriving. */
export interface MultipartRequest {
  /** The `operations` object, each place `map` names holding its Upload. */
  operations: Record<string, unknown>;
  /** `map`: each file part's name and the paths it fills. */
  paths: ReadonlyMap<string, readonly string[]>;
  /** Rejects with the request's error (malformed, over a limit, the client gone) as soon as there is one; never resolves. */
  failure: Promise<never>;
  /** The operation is over: parts still to come are read and thrown away. Resolves once the body is read whole; rejects like `failure`. */
  end(): Promise<void>;
  /** Stops reading; every Upload still to be read fails with `error`. */
  abort(error: unknown): void;
  /** Deletes the temporary files of spilled parts. */
  cleanup(): Promise<void>;
}

export interface MultipartLimits extends UploadLimits {
  /** Bytes of `operations`, `map` and any other non-file part (`limits.maxRequestBytes`). */
  maxPartBytes: number;
  /** The instance's room on disk for spilled parts (`uploads.maxSpillBytes`). */
  room: SpillRoom;
}

/**
 * Reads a GraphQL multipart request (https://github.com/jaydenseric/graphql-multipart-request-spec)
 * as a stream, with busboy: the `operations` part (JSON), the `map` part (JSON: file part name →
 * the paths it fills, such as `variables.image`), then the file parts in order. Resolves once
 * `map` has been read and every mapped place holds an Upload; the files are read as the
 * operation asks for them (see Upload). Anything malformed is a 400 BAD_REQUEST: no boundary,
 * `operations` or `map` not JSON or out of order, a path that leaves `variables` or names
 * nothing, a file part `map` does not name (or one that comes twice), a mapped file that
 * never comes, a body that ends early. A file over `maxFileBytes`, more than `maxFiles`
 * files: 413 UPLOAD_TOO_LARGE; a text part over `maxPartBytes`: 413 REQUEST_TOO_LARGE.
 */
export async function readMultipart(
  body: AsyncIterable<Uint8Array>,
  contentType: string,
  limits: MultipartLimits,
): Promise<MultipartRequest> {
  let parser: Writable;
  try {
    parser = busboy({
      headers: { "content-type": contentType },
      defParamCharset: "utf8",
      // busboy flags a part that reaches its limit: one byte more means "over".
      limits: {
        fileSize: limits.maxFileBytes + 1,
        files: limits.maxFiles,
        fieldSize: limits.maxPartBytes + 1,
        fields: 2,
        parts: limits.maxFiles + 2,
      },
    });
  } catch (error) {
    throw malformed(`${(error as Error).message}: Content-Type ${echo(contentType)} needs a boundary parameter.`);
  }
  const uploads = new Map<string, Upload>();
  const arrived = new Set<string>();
  const spills: SpilledFile[] = [];
  let over = false;
  let failed: unknown;
  let rejectFailure!: (error: unknown) => void;
  const failure = new Promise<never>((_, reject) => (rejectFailure = reject));
  failure.catch(() => undefined);
  const coordinator: UploadCoordinator = {
    waiting: () => [...uploads.values()].some((upload) => upload.wanted),
    wanted: () => uploads.forEach((upload) => upload.spill()),
    get over() {
      return over;
    },
    spills,
    room: limits.room,
  };
  const fail = (error: unknown) => {
    if (failed !== undefined) return;
    failed = error;
    parser.destroy(error as Error);
    for (const upload of uploads.values()) upload.fail(error);
    rejectFailure(error);
  };
  const tooManyFiles = () =>
    fail(new UploadRequestError("UPLOAD_TOO_LARGE", `The request holds more than ${limits.maxFiles} files (uploads.maxFiles).`));

  let operations: Record<string, unknown> | undefined;
  let paths: Map<string, string[]> = new Map();
  let mapRead = false;
  let onMap!: (operations: Record<string, unknown>) => void;
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    onMap = resolve;
    failure.catch(reject);
  });
  parser.on("field", (name: string, value: string, info: busboy.FieldInfo) => {
    try {
      if (info.valueTruncated)
        throw new UploadRequestError(
          "REQUEST_TOO_LARGE",
          `The "${name}" part is larger than ${limits.maxPartBytes} bytes (limits.maxRequestBytes).`,
        );
      if (name === "operations" && operations === undefined) operations = readOperations(value);
      else if (name === "map" && operations !== undefined && !mapRead) {
        paths = readMap(value, operations, limits.maxFiles);
        for (const [part, list] of paths) {
          const upload = new Upload(part, list.length, coordinator);
          uploads.set(part, upload);
          for (const path of list) placeUpload(operations, path, upload);
        }
        mapRead = true;
        onMap(operations);
      } else
        throw malformed(
          `expected the "operations" part, then "map", then the files; received a text part ${echo(name)} out of that order.`,
        );
    } catch (error) {
      fail(error);
    }
  });
  parser.on("file", (name: string, stream: Readable, info: busboy.FileInfo) => {
    // Its reader (or its spill) sees a failure through its own listener; nobody may be reading yet.
    stream.on("error", () => undefined);
    stream.once("limit", () =>
      fail(
        new UploadRequestError(
          "UPLOAD_TOO_LARGE",
          `File part "${name}" is larger than ${limits.maxFileBytes} bytes (uploads.maxFileBytes).`,
        ),
      ),
    );
    const upload = uploads.get(name);
    if (upload === undefined || arrived.has(name) || failed !== undefined) {
      stream.resume();
      const named = [...uploads.keys()].map((key) => JSON.stringify(key)).join(", ") || "none";
      return fail(
        !mapRead
          ? malformed(`file part ${echo(name)} came before the "operations" and "map" parts.`)
          : arrived.has(name)
            ? malformed(`file part ${echo(name)} came twice.`)
            : malformed(`file part ${echo(name)} is not named in "map" (it names ${named}); every file part must fill a variable.`),
      );
    }
    arrived.add(name);
    upload.arrive({ filename: info.filename ?? "", mimetype: info.mimeType, stream });
  });
  parser.on("filesLimit", tooManyFiles);
  parser.on("partsLimit", tooManyFiles);
  parser.on("fieldsLimit", () => fail(malformed(`only the "operations" and "map" text parts may come, before the files.`)));
  parser.on("error", (error: Error) => fail(malformed(`the body is not multipart/form-data as sent: ${error.message}.`)));
  const pumped = pump(body, parser, () => failed !== undefined).then(
    () => {
      if (operations === undefined) fail(malformed(`the "operations" part is missing.`));
      else if (!mapRead) fail(malformed(`the "map" part is missing.`));
      const missing = [...uploads.keys()].filter((key) => !arrived.has(key));
      if (missing.length > 0) fail(malformed(`"map" names file part ${echo(missing[0]!)}, but the body ended without it.`));
    },
    (error: unknown) => fail(malformed(`the body could not be read (${(error as Error).message}).`)),
  );

  return {
    operations: await ready,
    paths,
    failure,
    end: async () => {
      over = true;
      for (const upload of uploads.values()) upload.discard();
      await Promise.race([pumped, failure]);
      if (failed !== undefined) throw failed;
    },
    abort: fail,
    cleanup: async () => {
      await Promise.all(spills.map((spill) => spill.remove()));
    },
  };
}

/** Feeds the parser with backpressure; stops (without destroying the source: the answer may still go out on its connection) once `stopped()`. */
async function pump(source: AsyncIterable<Uint8Array>, parser: Writable, stopped: () => boolean): Promise<void> {
  const iterator = source[Symbol.asyncIterator]();
  let done = false;
  try {
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) {
      if (stopped()) return;
      if (!parser.write(next.value)) await once(parser, "drain");
    }
    done = true;
    if (stopped()) return;
    parser.end();
    await once(parser, "finish");
  } finally {
    if (!done) void iterator.return?.()?.catch(() => undefined);
  }
}
