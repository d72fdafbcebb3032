/**
 * The instance's room on disk for spilled upload parts (files that wait for their turn), in
 * bytes, shared by every request: each spilled byte takes room until its file is deleted, so
 * many requests spilling at once cannot fill the disk.
 */
export interface SpillRoom {
  readonly maxBytes: number;
  /** Takes room for `bytes`; false (nothing taken) when it would pass `maxBytes`. */
  take(bytes: number): boolean;
  give(bytes: number): void;
  /** Bytes taken now. */
  readonly used: number;
}

export function createSpillRoom(maxBytes: number): SpillRoom {
  let used = 0;
  return {
    maxBytes,
    take(bytes) {
      if (used + bytes > maxBytes) return false;
      used += bytes;
      return true;
    },
    give(bytes) {
      used = Math.max(0, used - bytes);
    },
    get used() {
      return used;
    },
  };
}
