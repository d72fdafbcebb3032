import type { UpstreamRequest } from "../upstream/upstream-request.js";
import { ClientGone, type ClientSignal } from "../upstream/client-signal.js";
import { readPathname } from "./build-cache-entry.js";
import type { Outcome } from "./read-outcome.js";

/** One exchange in progress; a purge of its path marks it so its answer is not stored. */
export interface Flight {
  upstream: string;
  pathname: string;
  purged: boolean;
}

/** A coalesced exchange: abandoned when every caller waiting for it has gone. */
export interface SharedFlight extends Flight {
  outcome: Promise<Outcome>;
  /** The headers its request was sent with: a waiter gets the answer only if the answer's `Vary` headers match its own (S03). */
  headers: Readonly<Record<string, string>>;
  /** Callers still waiting whose client may go away (they came with a signal). */
  waiting: number;
  /** A caller without a signal (nothing can tell it has gone) waits: never abandoned. */
  pinned: boolean;
  /** Aborts the upstream call once nobody waits for it. */
  gone: ClientGone;
}

/** The reads in flight: every exchange (for purges), and the shared ones by flight key (for coalescing). */
export interface Flights {
  start(request: UpstreamRequest): Flight;
  end(flight: Flight): void;
  /** The shared exchange a read under `flightKey` may join. */
  pending(flightKey: string): SharedFlight | undefined;
  /** Makes `flight` joinable under `flightKey`, its exchange started with `run(flight, gone)`, until `unshare`. */
  share(
    flightKey: string,
    flight: Flight,
    headers: Readonly<Record<string, string>>,
    run: (flight: Flight, gone: ClientGone) => Promise<Outcome>,
  ): SharedFlight;
  unshare(flightKey: string, flight: SharedFlight): void;
  /** Waits for a shared exchange; the last waiting caller to go away abandons it. */
  join(flightKey: string, flight: SharedFlight, signal: ClientSignal | undefined): Promise<Outcome>;
  /** Marks the exchanges of `upstream` on matching paths purged: they store nothing, and no read joins them. */
  purge(upstream: string, matches: (pathname: string) => boolean): void;
}

export function createFlights(): Flights {
  const inflight = new Map<string, SharedFlight>();
  const flights = new Set<Flight>();
  return {
    start(request) {
      const flight: Flight = { upstream: request.upstream.name, pathname: readPathname(request.path), purged: false };
      flights.add(flight);
      return flight;
    },
    end: (flight) => void flights.delete(flight),
    pending: (flightKey) => inflight.get(flightKey),
    share(flightKey, flight, headers, run) {
      const gone = new ClientGone();
      const shared: SharedFlight = Object.assign(flight, { outcome: run(flight, gone), headers, waiting: 0, pinned: false, gone });
      inflight.set(flightKey, shared);
      return shared;
    },
    unshare(flightKey, flight) {
      if (inflight.get(flightKey) === flight) inflight.delete(flightKey);
    },
    async join(flightKey, flight, signal) {
      if (signal === undefined) {
        flight.pinned = true;
        return flight.outcome;
      }
      flight.waiting++;
      const leave = () => {
        if (--flight.waiting > 0 || flight.pinned) return;
        // Nobody is left to take the answer: abort the call, and let no new caller join it.
        if (inflight.get(flightKey) === flight) inflight.delete(flightKey);
        flight.gone.abort();
      };
      signal.addEventListener("abort", leave, { once: true });
      try {
        return await flight.outcome;
      } finally {
        signal.removeEventListener("abort", leave);
      }
    },
    purge(upstream, matches) {
      for (const flight of flights) if (flight.upstream === upstream && matches(flight.pathname)) flight.purged = true;
      for (const [flightKey, flight] of inflight) if (flight.purged) inflight.delete(flightKey);
    },
  };
}
