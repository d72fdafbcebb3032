import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { BadUserInputError } from "../errors.js";

/**
 * Where an edge sits upstream, as its cursor carries it. OFFSET: the item's absolute index.
 * PAGE, CURSOR, LINK: how its page was fetched (`at`: the page number, the upstream token, the
 * URL path), the item's index in that page, and for the page's last edge what the next page is.
 */
export type PagePosition =
  | { kind: "index"; index: number }
  | { kind: "page"; at: string | number | null; size?: number | undefined; index: number; last: boolean; next?: string | null | undefined };

/** Longest cursor accepted; Trestle's own stay far below it (an upstream token up to ~1.4 KB). */
export const maxCursorLength = 2048;

/** Seals and opens the cursors of one Trestle instance. */
export interface CursorKeys {
  /** Whether the key was drawn at random (no `cursorSecret` / `TRESTLE_CURSOR_SECRET`): cursors die with the process. */
  readonly generated: boolean;
  seal(coordinate: string, position: PagePosition): string;
  /** The position a cursor holds, or BAD_USER_INPUT when this instance did not issue it for `coordinate`. */
  open(coordinate: string, cursor: string): PagePosition;
}

const version = "c1";

/**
 * Cursors are AES-256-GCM sealed: the key is derived (HKDF-SHA256) from the secret, so replicas
 * that share it read each other's cursors; the field's coordinate is the additional data, so a
 * cursor of one field is refused by another; the GCM tag makes any edit fail, and encryption
 * keeps upstream tokens and URLs out of what clients see.
 */
export function createCursorKeys(secret: string | undefined): CursorKeys {
  const generated = secret === undefined || secret === "";
  const key = generated ? randomBytes(32) : Buffer.from(hkdfSync("sha256", secret, "trestle", "trestle page cursor v1", 32));
  return {
    generated,
    seal(coordinate, position) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      cipher.setAAD(Buffer.from(coordinate));
      const sealed = Buffer.concat([cipher.update(JSON.stringify(position), "utf8"), cipher.final()]);
      return `${version}.${Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString("base64url")}`;
    },
    open(coordinate, cursor) {
      const refuse = (why: string) =>
        new BadUserInputError(`The cursor given to ${coordinate} ${why}; use a cursor from this field's edges or pageInfo.`, {
          extensions: { argument: "cursor" },
        });
      if (cursor.length > maxCursorLength) throw refuse(`is ${cursor.length} characters long, over the ${maxCursorLength} a cursor may be`);
      const dot = cursor.indexOf(".");
      if (cursor.slice(0, dot) !== version || !/^[A-Za-z0-9_-]+$/.test(cursor.slice(dot + 1))) throw refuse("is not a Trestle cursor");
      const raw = Buffer.from(cursor.slice(dot + 1), "base64url");
      if (raw.length < 12 + 16 + 2) throw refuse("is not a Trestle cursor");
      let text: string;
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
        decipher.setAAD(Buffer.from(coordinate));
        decipher.setAuthTag(raw.subarray(raw.length - 16));
        text = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString("utf8");
      } catch {
        throw refuse("was not issued by this server for this field (forged, edited, or another field's)");
      }
      return JSON.parse(text) as PagePosition;
    },
  };
}
