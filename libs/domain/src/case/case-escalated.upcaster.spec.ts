import { sealed } from '@rapport/testing';
import { upcast } from '../upcasting/upcasters';
import { caseDecider } from './case.decider';
import type { CaseEvent } from './case.events';

/** A CaseEscalated as the SLA processor stored it before version 2. */
const storedV1 = {
  type: 'CaseEscalated',
  schemaVersion: 1,
  data: {
    caseId: 'case-1',
    customerId: 'c-1',
    reason: 'first response overdue since 2026-02-02T12:00:00.000Z',
    target: 'first-response',
    cycle: 0,
    escalatedAt: '2026-02-02T12:05:00.000Z',
  },
};

describe('CaseEscalated v1 → v2', () => {
  it('presents a stored v1 escalation as one for the missed target it names', () => {
    expect(upcast(storedV1)).toEqual({
      type: 'CaseEscalated',
      schemaVersion: 2,
      data: { ...storedV1.data, cause: 'sla-breach' },
    });
  });

  it('leaves a v2 escalation at opening as it is', () => {
    const atOpening = {
      type: 'CaseEscalated',
      schemaVersion: 2,
      data: { ...storedV1.data, cause: 'severity', target: null, reason: 'critical severity' },
    };
    expect(upcast(atOpening)).toEqual(atOpening);
  });

  it('lets the decider fold a history that holds a v1 escalation', () => {
    const opened: CaseEvent = {
      type: 'ServiceRequestOpened',
      schemaVersion: 1,
      data: {
        caseId: 'case-1',
        customerId: 'c-1',
        requestType: 'error',
        subject: sealed('printer fails'),
        description: sealed('error 42'),
        severity: 'high',
        openedAt: '2026-02-02T08:00:00.000Z',
        firstResponseHours: 4,
        resolutionHours: 24,
        firstResponseDueAt: '2026-02-02T12:00:00.000Z',
        resolutionDueAt: '2026-02-03T08:00:00.000Z',
      },
    };
    const state = [opened, upcast(storedV1) as CaseEvent].reduce(
      caseDecider.evolve,
      caseDecider.initialState(),
    );
    expect(state).toMatchObject({ status: 'open', escalated: true });
  });
});
