/** A clock tests move by hand, so dates in events and figures are known in advance. */
export class TestClock {
  private current: number;

  constructor(start: string | Date = '2026-01-15T09:00:00.000Z') {
    this.current = new Date(start).getTime();
  }

  readonly now = (): Date => new Date(this.current);

  set(at: string | Date): void {
    this.current = new Date(at).getTime();
  }

  advance(ms: number): void {
    this.current += ms;
  }

  advanceDays(days: number): void {
    this.advance(days * 24 * 60 * 60 * 1000);
  }
}
