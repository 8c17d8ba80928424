import { getHeapStatistics } from 'node:v8';
import { collectGarbage } from './collect-garbage';

describe('collectGarbage', () => {
  it('frees what nothing refers to any more, in a process started without --expose-gc', () => {
    let garbage: { index: number; text: string }[] | null = Array.from(
      { length: 500_000 },
      (_, index) => ({ index, text: `item ${index}` }),
    );
    const holding = getHeapStatistics().used_heap_size;
    expect(garbage).toHaveLength(500_000);
    garbage = null;

    collectGarbage();

    // The half million objects (tens of MiB) are gone.
    expect(holding - getHeapStatistics().used_heap_size).toBeGreaterThan(20 * 1024 * 1024);
  });
});
