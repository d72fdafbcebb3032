import { watch, type FSWatcher } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";

/** Milliseconds of quiet after the last change before `onChange` runs (an editor's save is several events). */
export const watchDebounceMs = 75;

/**
 * Watches folders (with their subfolders) and files and calls `onChange` once per burst of
 * events, debounced. Each folder has a watcher of its own (Node 20's `recursive` watch on Linux
 * watches files, and loses one that an editor replaces by renaming a new file over it); a new
 * subfolder is picked up on the next event. A file is watched through its folder. Returns the stop.
 */
export async function watchSources(paths: readonly string[], cwd: string, onChange: () => void): Promise<() => void> {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const watchers = new Map<string, FSWatcher>();
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, watchDebounceMs);
  };
  const add = (folder: string, listener: (event: string, file: string | null) => void) => {
    if (stopped || watchers.has(folder)) return;
    try {
      const watcher = watch(folder, listener);
      // A folder deleted ends its watcher only; the server goes on.
      watcher.on("error", () => (watcher.close(), watchers.delete(folder)));
      watchers.set(folder, watcher);
    } catch {
      // Gone between listing and watching: the next event lists again.
    }
  };
  const tree = async (root: string): Promise<void> => {
    const onEvent = () => {
      changed();
      void tree(root);
    };
    for (const folder of await folders(root)) add(folder, onEvent);
  };
  for (const path of paths) {
    const absolute = resolve(cwd, path);
    if ((await stat(absolute).catch(() => undefined))?.isDirectory()) await tree(absolute);
    else add(dirname(absolute), (_event, file) => (file === null || file === basename(absolute) ? changed() : undefined));
  }
  return () => {
    stopped = true;
    clearTimeout(timer);
    for (const watcher of watchers.values()) watcher.close();
  };
}

/** `root` and every folder below it (none when it is gone). */
async function folders(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => undefined);
  if (entries === undefined) return [];
  const below = await Promise.all(entries.filter((entry) => entry.isDirectory()).map((entry) => folders(join(root, entry.name))));
  return [root, ...below.flat()];
}
