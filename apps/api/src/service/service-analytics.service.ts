import { Inject, Injectable } from '@nestjs/common';
import { ApiError } from '@rapport/platform';
import {
  READ_STORE,
  readTallyRange,
  serviceCasesProjection,
  serviceFiguresAggregation,
  serviceFiguresFromTallies,
  serviceMonthKey,
  type ReadStore,
} from '@rapport/read-models';
import { CLOCK, type Clock } from '../infrastructure/tokens';
import { ReadModelCatalog } from '../read-side/read-model.catalog';

/** The longest period one answer covers: ten years of monthly tallies. */
export const MAX_SERVICE_MONTHS = 120;

const monthIndex = (month: string) =>
  Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;
const monthOf = (index: number) =>
  `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;

/**
 * Service figures of the cases opened in a period of months, per kind and category: read from
 * the monthly tallies the service-cases projection maintains (one small document per month
 * and shard), as one indexed range over their key, never from the cases. The cost grows with
 * the months asked (at most 120), not with cases or clients.
 */
@Injectable()
export class ServiceAnalyticsService {
  constructor(
    @Inject(READ_STORE) private readonly store: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly catalog: ReadModelCatalog,
  ) {}

  async figures(period: { from?: string; to?: string }) {
    const to = (period.to ?? this.clock().toISOString()).slice(0, 7);
    const last = monthIndex(to);
    const first = period.from !== undefined ? monthIndex(period.from.slice(0, 7)) : last - 11;
    if (first > last) {
      throw new ApiError(400, 'VALIDATION_FAILED', 'from must not be after to', {
        fields: [{ field: 'from', problems: ['from must not be after to'] }],
      });
    }
    if (last - first + 1 > MAX_SERVICE_MONTHS) {
      throw new ApiError(400, 'VALIDATION_FAILED', `at most ${MAX_SERVICE_MONTHS} months`, {
        fields: [
          { field: 'from', problems: [`from..to spans at most ${MAX_SERVICE_MONTHS} months`] },
        ],
      });
    }
    const months: string[] = [];
    for (let index = first; index <= last; index++) months.push(monthOf(index));
    const collection = await this.catalog.aggregateCollection(
      serviceCasesProjection,
      serviceFiguresAggregation,
    );
    // The months asked are one range of the tallies' key (`month:YYYY-MM` sorts by month).
    const tallies = await readTallyRange(
      this.store,
      collection,
      serviceMonthKey(months[0]!),
      `${serviceMonthKey(months[months.length - 1]!)}\uffff`,
    );
    const groups = serviceFiguresFromTallies(tallies.values());
    return { from: months[0]!, to: months[months.length - 1]!, groups };
  }
}
