import { timeOrderedId } from './time-ordered-id';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('timeOrderedId', () => {
  it('is a version 7 UUID whose first 48 bits are the millisecond it was made', () => {
    const id = timeOrderedId(Date.parse('2026-12-03T12:00:00.000Z'));
    expect(id).toMatch(UUID_V7);
    expect(parseInt(id.replace('-', '').slice(0, 12), 16)).toBe(
      Date.parse('2026-12-03T12:00:00.000Z'),
    );
  });

  it('grows with time, and within one millisecond, so the store appends at its index edge', () => {
    const at = Date.parse('2030-01-01T00:00:00.000Z');
    const ids = [
      ...Array.from({ length: 5000 }, () => timeOrderedId(at)),
      ...Array.from({ length: 10 }, () => timeOrderedId(at + 1)),
    ];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => !UUID_V7.test(id))).toEqual([]);
  });

  it('keeps growing when the clock goes back', () => {
    const at = Date.parse('2031-01-01T00:00:00.000Z');
    const before = timeOrderedId(at);
    const after = timeOrderedId(at - 60_000);
    expect(after > before).toBe(true);
  });

  it('differs between two makers in the same millisecond (74 random bits)', () => {
    const at = Date.parse('2032-01-01T00:00:00.000Z');
    const first = timeOrderedId(at);
    jest.isolateModules(() => {
      const other = (jest.requireActual('./time-ordered-id') as typeof import('./time-ordered-id'))
        .timeOrderedId;
      expect(other(at)).not.toBe(first);
    });
  });
});
