/**
 * The day around an instant in an IANA time zone, without a time-zone library: the zone's
 * offset at an instant is read from Intl, and a local midnight is found by correcting a guess
 * with the offset twice (enough across a daylight-saving change).
 */
export interface LocalDay {
  /** First instant of the day (inclusive) and of the next one (exclusive). */
  start: Date;
  end: Date;
  /** The local date, YYYY-MM-DD. */
  date: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** Local wall-clock fields of an instant, as if they were UTC (milliseconds). */
function wallClock(at: number, timeZone: string): number {
  const parts = formatter(timeZone).formatToParts(new Date(at));
  const field = (type: Intl.DateTimeFormatPartTypes) =>
    Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(
    field('year'),
    field('month') - 1,
    field('day'),
    field('hour'),
    field('minute'),
    field('second'),
  );
}

const offsetAt = (at: number, timeZone: string) =>
  wallClock(at, timeZone) - Math.floor(at / 1000) * 1000;

/** The instant of local midnight starting the given local date (UTC fields of `date`). */
function localMidnight(year: number, month: number, day: number, timeZone: string): number {
  const wall = Date.UTC(year, month, day);
  let at = wall - offsetAt(wall, timeZone);
  at = wall - offsetAt(at, timeZone);
  return at;
}

export function localDay(now: Date, timeZone: string): LocalDay {
  const wall = new Date(wallClock(now.getTime(), timeZone));
  const [year, month, day] = [wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate()];
  return {
    start: new Date(localMidnight(year, month, day, timeZone)),
    end: new Date(localMidnight(year, month, day + 1, timeZone)),
    date: wall.toISOString().slice(0, 10),
  };
}
