import { Inject, Injectable } from '@nestjs/common';
import type { CaseKind, CaseStatus } from '@rapport/domain';
import {
  QUEUE_BY_DEADLINE,
  QUEUE_OVERDUE,
  rangeKey,
  READ_STORE,
  serviceCasesProjection,
  type RangeQuery,
  type ReadStore,
  type ServiceCaseDocument,
} from '@rapport/read-models';
import { CLOCK, type Clock } from '../infrastructure/tokens';
import { decodeCursor, encodeCursor } from '../read-side/page-cursor';
import { ReadModelCatalog } from '../read-side/read-model.catalog';

export interface CaseQueueFilter {
  status?: CaseStatus;
  kind?: CaseKind;
  assigneeId?: string;
  customerId?: string;
  overdue?: boolean;
  limit: number;
  cursor?: string;
}

/**
 * The service queue: one index range over the cases' urgency key (missed targets first, then
 * the nearest deadline, then cases whose clock stands), on the most selective of the keys the
 * filter allows (a client's, an agent's, a status's, a kind's, or all open cases), with the
 * other filters applied within it. Resolved cases are a range of their own, newest first.
 */
@Injectable()
export class CaseQueueService {
  constructor(
    @Inject(READ_STORE) private readonly store: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly catalog: ReadModelCatalog,
  ) {}

  async page(filter: CaseQueueFilter) {
    const now = this.clock().toISOString();
    const collection = await this.catalog.collection(serviceCasesProjection);
    const where: Record<string, string> = {};
    let field: string;
    let prefix: string[];
    const { customerId, assigneeId, status, kind } = filter;
    if (status === 'resolved') {
      field = 'statusQueue';
      prefix = ['resolved'];
      if (customerId !== undefined) where['customerId'] = customerId;
      if (assigneeId !== undefined) where['assigneeId'] = assigneeId;
      if (kind !== undefined) where['kind'] = kind;
    } else if (customerId !== undefined) {
      field = 'customerQueue';
      prefix = [customerId];
      if (assigneeId !== undefined) where['assigneeId'] = assigneeId;
      if (status !== undefined) where['status'] = status;
      if (kind !== undefined) where['kind'] = kind;
    } else if (assigneeId !== undefined) {
      field = 'assigneeQueue';
      prefix = [assigneeId];
      if (status !== undefined) where['status'] = status;
      if (kind !== undefined) where['kind'] = kind;
    } else if (status !== undefined) {
      field = 'statusQueue';
      prefix = [status];
      if (kind !== undefined) where['kind'] = kind;
    } else if (kind !== undefined) {
      field = 'kindQueue';
      prefix = [kind];
    } else {
      field = 'queueKey';
      prefix = [];
    }
    const key = (last: string) => rangeKey(...prefix, last);
    let from = key('');
    let to = key('\uffff');
    if (status !== 'resolved' && filter.overdue === true) {
      from = key(`${QUEUE_OVERDUE}|`);
      to = key(`${QUEUE_BY_DEADLINE}|${now}`);
    } else if (status !== 'resolved' && filter.overdue === false) {
      from = key(`${QUEUE_BY_DEADLINE}|${now}`);
    }
    const query: RangeQuery = {
      orderBy: field,
      from,
      to,
      ...(Object.keys(where).length > 0 && { where }),
      direction: status === 'resolved' ? 'desc' : 'asc',
      limit: filter.limit + 1,
    };
    if (filter.cursor !== undefined) {
      const [value, id] = decodeCursor(filter.cursor, 2) as [string, string];
      query.after = { value, id };
    }
    const docs = await this.store.findRange<ServiceCaseDocument>(collection, query);
    const cases = docs.slice(0, filter.limit);
    const last = cases[cases.length - 1];
    const nextCursor =
      docs.length > filter.limit && last
        ? encodeCursor([String((last as unknown as Record<string, unknown>)[field]), last.id])
        : null;
    return { cases, nextCursor, now };
  }

  async get(caseId: string): Promise<ServiceCaseDocument | undefined> {
    const collection = await this.catalog.collection(serviceCasesProjection);
    return this.store.get<ServiceCaseDocument>(collection, caseId);
  }
}
