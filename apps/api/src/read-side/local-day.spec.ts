import { localDay } from './local-day';

describe('the local day around an instant', () => {
  it('is the UTC day in UTC', () => {
    const day = localDay(new Date('2026-03-10T23:59:00.000Z'), 'UTC');
    expect(day).toEqual({
      start: new Date('2026-03-10T00:00:00.000Z'),
      end: new Date('2026-03-11T00:00:00.000Z'),
      date: '2026-03-10',
    });
  });

  it('follows the zone: late evening in UTC is already tomorrow in Berlin', () => {
    const day = localDay(new Date('2026-01-10T23:30:00.000Z'), 'Europe/Berlin');
    expect(day).toEqual({
      start: new Date('2026-01-10T23:00:00.000Z'),
      end: new Date('2026-01-11T23:00:00.000Z'),
      date: '2026-01-11',
    });
  });

  it('is 23 hours long on the day clocks move forward and 25 on the day they move back', () => {
    const spring = localDay(new Date('2026-03-29T12:00:00.000Z'), 'Europe/Berlin');
    expect(spring.start).toEqual(new Date('2026-03-28T23:00:00.000Z'));
    expect(spring.end).toEqual(new Date('2026-03-29T22:00:00.000Z'));
    const autumn = localDay(new Date('2026-11-01T12:00:00.000Z'), 'America/New_York');
    expect(autumn.start).toEqual(new Date('2026-11-01T04:00:00.000Z'));
    expect(autumn.end).toEqual(new Date('2026-11-02T05:00:00.000Z'));
  });
});
