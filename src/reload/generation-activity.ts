import type { SubscriptionStreams } from "../connector/subscription-streams.js";
import type { Route } from "../http/route-table.js";

/** What runs on one generation: requests being answered and open subscriptions. */
export interface Activity {
  /** The route, its `serve` counted. */
  counted(route: Route): Route;
  enter(): void;
  leave(): void;
  /** Counts `result` (a value or a promise) until it settles; returns it unchanged. */
  during<T>(result: T): T;
  /** Resolves once nothing runs (at once when nothing does); a replaced generation is then disposed. */
  idle(): Promise<void>;
}

export function createActivity(): Activity {
  let active = 0;
  const waiting: (() => void)[] = [];
  const enter = () => void active++;
  const leave = () => {
    active--;
    if (active === 0 && waiting.length > 0) for (const resolve of waiting.splice(0)) resolve();
  };
  return {
    counted: (route) => ({
      matches: (exchange) => route.matches(exchange),
      name: (pathname) => route.name(pathname),
      answersPreflight: (pathname) => route.answersPreflight(pathname),
      ...(route.unwritable && { unwritable: route.unwritable.bind(route) }),
      serve: async (exchange) => {
        enter();
        try {
          return await route.serve(exchange);
        } finally {
          leave();
        }
      },
    }),
    enter,
    leave,
    during: (result) => {
      enter();
      void Promise.resolve(result).then(leave, leave);
      return result;
    },
    idle: () => (active === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiting.push(resolve))),
  };
}

/**
 * The instance's subscriptions (budgets stay instance-wide), each reservation also counted as
 * activity of one generation: a subscription keeps the schema it started on, and its upstream
 * clients, until it ends.
 */
export function countedStreams(streams: SubscriptionStreams, activity: Activity): SubscriptionStreams {
  return {
    reserve(upstream, end) {
      const release = streams.reserve(upstream, end);
      activity.enter();
      let released = false;
      return () => {
        release();
        if (released) return;
        released = true;
        activity.leave();
      };
    },
    open: (request, signal) => streams.open(request, signal),
    fresh: (operation) => streams.fresh(operation),
    get count() {
      return streams.count;
    },
    close: () => streams.close(),
  };
}

/** yoga's `getEnveloped` whose `execute` (a WebSocket query or mutation) is counted until its result settles. */
export function countedEnvelop<F extends GetEnveloped>(getEnveloped: F, activity: Activity): F {
  const counted = (context: Parameters<F>[0]) => {
    const enveloped = getEnveloped(context);
    const { execute } = enveloped;
    return { ...enveloped, execute: (args: Parameters<typeof execute>[0]) => activity.during(execute(args)) };
  };
  return Object.assign(counted, { _plugins: getEnveloped._plugins }) as F;
}

interface GetEnveloped {
  (context: never): { execute(args: never): unknown };
  _plugins: unknown;
}
