import {
  caseDecider,
  CASE_OUTCOMES,
  DEFAULT_SLA_TARGETS,
  DomainError,
  missedDeadline,
  SLA_TARGET_KINDS,
  type CaseCommand,
  type CaseState,
  type CrmEvent,
  type EventEnvelope,
} from '@rapport/domain';
import { EventLogBuilder, sealed } from '@rapport/testing';
import fc from 'fast-check';
import { InMemoryReadStore } from '../adapters/in-memory.read-store';
import { addTally, type Tally } from '../aggregation';
import { serviceFiguresAggregation } from '../aggregations/service-figures.aggregation';
import { serviceFiguresFromTallies } from '../analytics/service.analytics';
import { readTallies } from '../engine/aggregate-reader';
import { projectBatch } from '../engine/projection-session';
import {
  aggregateCollection,
  documentCollection,
  type ProjectionTarget,
} from '../engine/projection-target';
import type { StoredDocument } from '../read-store.port';
import { serviceCasesProjection, type ServiceCaseDocument } from './service-cases.projection';

type Step = { case: number; action: number; hours: number; pick: number };

const stepArbitrary: fc.Arbitrary<Step> = fc.record({
  case: fc.nat({ max: 5 }),
  action: fc.nat({ max: 9 }),
  hours: fc.nat({ max: 40 }),
  pick: fc.nat({ max: 1000 }),
});

/**
 * A random service history decided by the real case decider (refused commands are skipped):
 * six cases of three clients, complaints and requests, with every lifecycle step, the
 * breaches the processor would record, and an erasure of one client.
 */
function historyOf(steps: readonly Step[]): EventEnvelope[] {
  const log = new EventLogBuilder('2026-01-01T00:00:00.000Z');
  const states = new Map<number, CaseState>();
  const erased = new Set<string>();
  let time = Date.parse('2026-01-01T00:00:00.000Z');
  for (const step of steps) {
    time += step.hours * 3_600_000;
    const now = new Date(time).toISOString();
    const customerId = `c${step.case % 3}`;
    const caseId = `k${step.case}`;
    const state = states.get(step.case) ?? caseDecider.initialState();
    if (erased.has(customerId)) continue;
    const severity = (['low', 'medium', 'high', 'critical'] as const)[step.pick % 4];
    let command: CaseCommand | 'erase';
    if (state.status === 'none') {
      command =
        step.case % 2 === 0
          ? {
              type: 'OpenServiceRequest',
              now,
              data: {
                caseId,
                customerId,
                requestType: step.pick % 3 === 0 ? 'repair' : 'question',
                subject: sealed('s'),
                description: sealed('d'),
                severity,
                sla: DEFAULT_SLA_TARGETS[severity],
              },
            }
          : {
              type: 'RaiseComplaint',
              now,
              data: {
                complaintId: caseId,
                customerId,
                category: 'billing',
                severity,
                description: sealed('d'),
                sla: DEFAULT_SLA_TARGETS[severity],
              },
            };
    } else {
      const missed = SLA_TARGET_KINDS.find(
        (target) => missedDeadline(state, target, state.cycle, now) !== undefined,
      );
      const { cycle } = state;
      const data = { caseId };
      command = missed
        ? { type: 'RecordSlaBreach', now, data: { caseId, target: missed, cycle } }
        : (
            [
              { type: 'AssignCase', now, data: { ...data, assigneeId: `a${step.pick % 3}` } },
              { type: 'RespondToCase', now, data: { ...data, message: sealed('m') } },
              { type: 'ChangeCaseStatus', now, data: { ...data, status: 'waiting-on-customer' } },
              { type: 'ChangeCaseStatus', now, data: { ...data, status: 'in-progress' } },
              {
                type: 'ResolveCase',
                now,
                data: {
                  ...data,
                  resolution: sealed('r'),
                  outcome: CASE_OUTCOMES[step.pick % CASE_OUTCOMES.length]!,
                  ...(step.pick % 2 === 0 && { satisfaction: 1 + (step.pick % 5) }),
                },
              },
              { type: 'ReopenCase', now, data: { ...data, reason: sealed('again') } },
              { type: 'RespondToCase', now, data: { ...data, message: sealed('m2') } },
              {
                type: 'ResolveCase',
                now,
                data: { ...data, resolution: sealed('r'), outcome: 'refund' },
              },
              { type: 'AssignCase', now, data: { ...data, assigneeId: 'a9' } },
              'erase',
            ] as const
          )[step.action]!;
    }
    if (command === 'erase') {
      erased.add(customerId);
      log.append(
        {
          type: 'CustomerErased',
          schemaVersion: 1,
          data: { customerId, reason: 'r', erasedAt: now },
        },
        now,
      );
      continue;
    }
    try {
      const events = caseDecider.decide(command, state);
      states.set(step.case, events.reduce(caseDecider.evolve, state));
      for (const event of events) log.append(event as CrmEvent, now);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
    }
  }
  return log.events;
}

async function project(events: EventEnvelope[], batchSize: number) {
  const store = new InMemoryReadStore();
  const target: ProjectionTarget = {
    projection: serviceCasesProjection,
    generation: 1,
    position: 0,
  };
  await store.saveProjectionState({
    projection: serviceCasesProjection.name,
    generation: 1,
    version: serviceCasesProjection.version,
    position: 0,
    status: 'live',
    active: true,
    updatedAt: '2026-01-01T00:00:00.000Z',
  });
  for (let i = 0; i < events.length; i += batchSize) {
    await projectBatch(store, [target], events.slice(i, i + batchSize));
  }
  const docs: ServiceCaseDocument[] = [];
  for await (const page of store.scan<ServiceCaseDocument & StoredDocument>(
    documentCollection(target),
  )) {
    docs.push(...page);
  }
  const tallies = await readTallies(store, aggregateCollection(target, serviceFiguresAggregation));
  return { docs, tallies };
}

describe('service-cases: random histories', () => {
  it('give the same documents and figures in one batch or event by event, and the figures equal those of the documents', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArbitrary, { maxLength: 60 }), async (steps) => {
        const events = historyOf(steps);
        const whole = await project(events, 1000);
        const oneByOne = await project(events, 1);
        expect(oneByOne.docs).toEqual(whole.docs);
        // The maintained tallies are the contributions of the final documents, summed.
        const reference = new Map<string, Tally>();
        for (const doc of whole.docs) {
          for (const [key, tally] of serviceFiguresAggregation.contribution(doc)) {
            reference.set(key, addTally(reference.get(key) ?? {}, tally));
          }
        }
        const figures = serviceFiguresFromTallies(whole.tallies.values());
        expect(figures).toEqual(serviceFiguresFromTallies(reference.values()));
        expect(serviceFiguresFromTallies(oneByOne.tallies.values())).toEqual(figures);
        // Nothing of an erased client stays in a queue or the deadline range.
        for (const doc of whole.docs) {
          if (doc.clientErased) expect([doc.queueKey, doc.slaDueAt]).toEqual([null, null]);
          if (doc.status === 'resolved') expect(doc.queueKey).toBeNull();
        }
      }),
      { numRuns: 60 },
    );
  });
});
