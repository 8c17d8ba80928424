/**
 * An immutable set of strings that only grows: `with` returns a new set and leaves this one
 * as it was. A set and the sets grown from it share one storage (each value's rank of
 * addition; a set holds the values ranked below its size), so folding a stream that adds a
 * few values per event costs what it adds, not a copy of the whole set per event: a campaign
 * whose members came one by one cost O(members²) to load with a copied Set.
 */
export class GrowingSet {
  private constructor(
    private readonly storage: { rank: Map<string, number>; size: number },
    readonly size: number,
  ) {}

  static empty(): GrowingSet {
    return new GrowingSet({ rank: new Map(), size: 0 }, 0);
  }

  has(value: string): boolean {
    const rank = this.storage.rank.get(value);
    return rank !== undefined && rank < this.size;
  }

  with(values: Iterable<string>): GrowingSet {
    let storage = this.storage;
    if (storage.size !== this.size) {
      // This set already grew into another one: growing it differently needs its own storage.
      const rank = new Map<string, number>();
      for (const [value, at] of storage.rank) if (at < this.size) rank.set(value, at);
      storage = { rank, size: this.size };
    }
    for (const value of values) {
      if (!storage.rank.has(value)) storage.rank.set(value, storage.size++);
    }
    return new GrowingSet(storage, storage.size);
  }

  *[Symbol.iterator](): IterableIterator<string> {
    for (const [value, rank] of this.storage.rank) if (rank < this.size) yield value;
  }
}
