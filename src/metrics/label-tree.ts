/**
 * Entries by label values, found without building a key string or a labels object: one Map
 * level per label. `entries` keeps them in the order they were first seen, the order
 * prom-client's own metrics list their series in.
 */
export class LabelTree<E> {
  readonly entries: E[] = [];
  private root = new Map<string, unknown>();

  constructor(private readonly create: (values: readonly string[]) => E) {}

  one(a: string): E {
    let entry = this.root.get(a) as E | undefined;
    if (entry === undefined) this.root.set(a, (entry = this.add([a])));
    return entry;
  }

  two(a: string, b: string): E {
    let level = this.root.get(a) as Map<string, E> | undefined;
    if (level === undefined) this.root.set(a, (level = new Map()));
    let entry = level.get(b);
    if (entry === undefined) level.set(b, (entry = this.add([a, b])));
    return entry;
  }

  three(a: string, b: string, c: string): E {
    let middle = this.root.get(a) as Map<string, Map<string, E>> | undefined;
    if (middle === undefined) this.root.set(a, (middle = new Map()));
    let level = middle.get(b);
    if (level === undefined) middle.set(b, (level = new Map()));
    let entry = level.get(c);
    if (entry === undefined) level.set(c, (entry = this.add([a, b, c])));
    return entry;
  }

  clear(): void {
    this.root = new Map();
    this.entries.length = 0;
  }

  private add(values: readonly string[]): E {
    const entry = this.create(values);
    this.entries.push(entry);
    return entry;
  }
}
