import { GrowingSet } from './growing-set';

describe('GrowingSet', () => {
  it('holds what was added, once each', () => {
    const set = GrowingSet.empty().with(['a', 'b']).with(['b', 'c']);
    expect([...set]).toEqual(['a', 'b', 'c']);
    expect(set.size).toBe(3);
    expect(set.has('c')).toBe(true);
    expect(set.has('d')).toBe(false);
  });

  it('leaves the set it grew from as it was', () => {
    const before = GrowingSet.empty().with(['a']);
    const after = before.with(['b']);
    expect(before.has('b')).toBe(false);
    expect([...before]).toEqual(['a']);
    expect(after.has('b')).toBe(true);
  });

  it('grows an older set in another direction without touching the newer one', () => {
    const base = GrowingSet.empty().with(['a']);
    const left = base.with(['b']);
    const right = base.with(['c']);
    expect([...left]).toEqual(['a', 'b']);
    expect([...right]).toEqual(['a', 'c']);
    expect(left.has('c')).toBe(false);
    expect(right.has('b')).toBe(false);
    expect([...left.with(['d'])]).toEqual(['a', 'b', 'd']);
    expect([...base]).toEqual(['a']);
  });

  it('holds 20,000 members added one at a time', () => {
    let set = GrowingSet.empty();
    const values = Array.from({ length: 20_000 }, (_, i) => `c-${i}`);
    for (const value of values) set = set.with([value]);
    expect(set.size).toBe(20_000);
    expect(values.every((value) => set.has(value))).toBe(true);
  });
});
