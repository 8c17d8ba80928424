import type { ServiceGroupFigures } from '@rapport/contracts';
import type { Tally } from '../aggregation';
import { groupOfName } from '../aggregations/service-figures.aggregation';

export type { ServiceGroupFigures };

/**
 * The value below which `share` of a histogram's items lie (nearest rank: the smallest bucket
 * whose cumulative count reaches ⌈share × n⌉); null for an empty histogram.
 */
export function histogramQuantile(histogram: ReadonlyMap<number, number>, share: number) {
  const total = [...histogram.values()].reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(share * total));
  let seen = 0;
  for (const bucket of [...histogram.keys()].sort((a, b) => a - b)) {
    seen += histogram.get(bucket)!;
    if (seen >= rank) return bucket;
  }
  return null;
}

const ratio = (part: number, whole: number) =>
  whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;

/**
 * Service figures per kind and category from the monthly tallies of the months asked: their
 * sums added, quantiles read from the summed histograms (hours, see hoursBucket).
 */
export function serviceFiguresFromTallies(months: Iterable<Tally>): ServiceGroupFigures[] {
  // Summed in a Map: adding a month's ~2,000 named sums to a plain object (addTally, which
  // deletes the sums that reach 0) was most of the CPU of a request.
  const sums = new Map<string, number>();
  for (const month of months) {
    for (const name in month) sums.set(name, (sums.get(name) ?? 0) + month[name]!);
  }
  const groups = new Map<string, { kind: string; category: string; sums: Map<string, number> }>();
  for (const [name, value] of sums) {
    if (value === 0) continue;
    const { kind, category, figure } = groupOfName(name);
    const id = `${kind}|${category}`;
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { kind, category, sums: new Map() }));
    group.sums.set(figure, value);
  }
  const figures: ServiceGroupFigures[] = [];
  for (const { kind, category, sums: group } of groups.values()) {
    const get = (figure: string) => group.get(figure) ?? 0;
    const histogram = (prefix: string) => {
      const buckets = new Map<number, number>();
      for (const [figure, n] of group) {
        if (figure.startsWith(prefix)) buckets.set(Number(figure.slice(prefix.length)), n);
      }
      return buckets;
    };
    const firstResponse = histogram('frt:');
    const resolution = histogram('res:');
    const outcomes: Record<string, number> = {};
    for (const [figure, n] of group) {
      if (figure.startsWith('outcome:')) outcomes[figure.slice('outcome:'.length)] = n;
    }
    const satisfactionCount = get('satisfactionCount');
    figures.push({
      kind,
      category,
      opened: get('opened'),
      resolved: get('resolved'),
      medianHoursToFirstResponse: histogramQuantile(firstResponse, 0.5),
      p90HoursToFirstResponse: histogramQuantile(firstResponse, 0.9),
      medianHoursToResolution: histogramQuantile(resolution, 0.5),
      p90HoursToResolution: histogramQuantile(resolution, 0.9),
      slaCompliance: ratio(get('slaMet'), get('slaMet') + get('slaMissed')),
      slaMet: get('slaMet'),
      slaMissed: get('slaMissed'),
      reopenRate: ratio(get('reopened'), get('resolved') + get('reopenedOpen')),
      averageSatisfaction:
        satisfactionCount === 0
          ? null
          : Math.round((get('satisfactionSum') / satisfactionCount) * 100) / 100,
      outcomes,
    });
  }
  return figures
    .filter((group) => group.opened > 0)
    .sort((a, b) => a.kind.localeCompare(b.kind) || a.category.localeCompare(b.category));
}
