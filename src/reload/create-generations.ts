import { TrestleError, type Diagnostic } from "../errors.js";
import { createGeneration, type Generation, type InstanceParts } from "./create-generation.js";
import { loadPlan } from "./load-plan.js";

/** The generation serving now, and `trestle.reload()`. */
export interface Generations {
  /** Read by the route table and the WebSocket transport when a request or a `subscribe` arrives. */
  readonly current: Generation;
  /**
   * Rebuilds from the same sources and options. Without errors the new generation serves every
   * request that arrives from then on; with errors nothing changes. Returns every diagnostic
   * (errors and warnings). Calls run one after another.
   */
  reload(): Promise<Diagnostic[]>;
  /** For `trestle.close()`, once requests have drained: ends reloads, closes replaced clients, disposes every generation. */
  close(): Promise<void>;
}

export function createGenerations(first: Generation, parts: InstanceParts): Generations {
  let current = first;
  let closing = false;
  let queue: Promise<unknown> = Promise.resolve();
  /** Replaced generations not yet idle, and the closing of clients they may still use. */
  const retiring = new Set<Generation>();
  const pending = new Set<() => Promise<void>>();

  const rebuild = async (): Promise<Diagnostic[]> => {
    if (closing)
      throw new TrestleError("CONFIG_INVALID", "trestle.reload() was called after trestle.close(): a closed instance does not reload");
    let diagnostics: Diagnostic[];
    let next: Generation;
    try {
      const loaded = await loadPlan(parts.options, parts.env);
      diagnostics = loaded.diagnostics;
      if (loaded.plan === undefined) return diagnostics;
      const built = await createGeneration(loaded.plan, parts, true);
      if ("diagnostics" in built) return [...diagnostics, ...built.diagnostics];
      next = built.generation;
    } catch (error) {
      // An unreadable source (a file renamed away mid-save, a missing folder) is a diagnostic too.
      return [{ severity: "error", file: describeSources(parts.options.schema), line: 0, column: 0, message: messageOf(error) }];
    }
    if (closing) {
      await next.dispose();
      return diagnostics;
    }
    swap(next, once(parts.pipeline.update(next.plan.upstreams.values())));
    return diagnostics;
  };

  /** The new generation serves from now on; the old one is disposed when idle, replaced clients once every older one is. */
  function swap(next: Generation, closeClients: () => Promise<void>): void {
    const previous = current;
    current = next;
    retiring.add(previous);
    const older = [...retiring];
    void previous
      .idle()
      .then(() => {
        retiring.delete(previous);
        return previous.dispose();
      })
      .catch(() => undefined);
    pending.add(closeClients);
    void Promise.all(older.map((generation) => generation.idle()))
      .then(closeClients)
      .catch(() => undefined)
      .finally(() => pending.delete(closeClients));
  }

  return {
    get current() {
      return current;
    },
    reload() {
      const run = queue.then(rebuild);
      queue = run.catch(() => undefined);
      return run;
    },
    async close() {
      closing = true;
      await queue;
      await Promise.all([...pending].map((closeClients) => closeClients().catch(() => undefined)));
      await Promise.all([current, ...retiring].map((generation) => generation.dispose()));
    },
  };
}

function once(task: () => Promise<void>): () => Promise<void> {
  let run: Promise<void> | undefined;
  return () => (run ??= task());
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describeSources(schema: string | readonly string[]): string {
  if (typeof schema !== "string") return schema.join(", ");
  return schema.includes("{") ? "<sdl>" : schema;
}
