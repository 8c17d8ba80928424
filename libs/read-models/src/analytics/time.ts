export const DAY_MS = 24 * 60 * 60 * 1000;

export const daysBetween = (from: string | Date, to: string | Date): number =>
  (new Date(to).getTime() - new Date(from).getTime()) / DAY_MS;

/** "2026-03" for any time in March 2026 (UTC). */
export const monthOf = (at: string | Date): string => new Date(at).toISOString().slice(0, 7);

/** First instant of the month after `month` ("2026-03" → 2026-04-01T00:00:00Z). */
export function startOfNextMonth(month: string): Date {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(year, m, 1));
}

export function monthsFrom(first: string, last: string): string[] {
  const months: string[] = [];
  for (let month = first; month <= last; month = monthOf(startOfNextMonth(month)))
    months.push(month);
  return months;
}

export const round = (value: number, decimals = 4): number => {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
};
