/**
 * A hand-moved clock for the cache (`createTrestle({ cache: { now } })`), starting on a whole
 * second so that HTTP dates (1 s resolution) made from it are exact.
 */
export interface TestClock {
  now(): number;
  advance(seconds: number): void;
  /** The clock's time as an HTTP `Date` header value. */
  httpDate(): string;
}

export function createTestClock(): TestClock {
  let time = Math.floor(Date.now() / 1000) * 1000;
  return {
    now: () => time,
    advance: (seconds) => {
      time += seconds * 1000;
    },
    httpDate: () => new Date(time).toUTCString(),
  };
}
