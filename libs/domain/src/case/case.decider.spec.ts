import { deciderSpecification, sealed } from '@rapport/testing';
import type { CaseCommand } from './case.commands';
import { caseDecider } from './case.decider';
import type { CaseEvent } from './case.events';
import { decideCaseWithCustomer } from './case-with-customer.decider';
import type { CustomerState } from '../customer/customer.decider';

const spec = deciderSpecification(caseDecider);
const caseId = 'case-1';
const customerId = 'c-1';
const openedAt = '2026-02-02T08:00:00.000Z';
const hours = (n: number) => new Date(Date.parse(openedAt) + n * 3_600_000).toISOString();
const sla = { firstResponseHours: 4, resolutionHours: 24 };

const open: CaseCommand = {
  type: 'OpenServiceRequest',
  now: openedAt,
  data: {
    caseId,
    customerId,
    requestType: 'repair',
    subject: sealed('broken hinge'),
    description: sealed('the door hinge broke'),
    severity: 'high',
    channel: 'phone',
    productRef: 'SKU-1',
    sla,
  },
};
const opened: CaseEvent = {
  type: 'ServiceRequestOpened',
  schemaVersion: 1,
  data: {
    caseId,
    customerId,
    requestType: 'repair',
    subject: sealed('broken hinge'),
    description: sealed('the door hinge broke'),
    severity: 'high',
    channel: 'phone',
    productRef: 'SKU-1',
    openedAt,
    firstResponseHours: 4,
    resolutionHours: 24,
    firstResponseDueAt: hours(4),
    resolutionDueAt: hours(24),
  },
};
const responded = (at: number, first = true): CaseEvent => ({
  type: 'CaseResponded',
  schemaVersion: 1,
  data: { caseId, customerId, message: sealed('on it'), first, respondedAt: hours(at) },
});
const waiting = (at: number): CaseEvent => ({
  type: 'CaseStatusChanged',
  schemaVersion: 1,
  data: {
    caseId,
    customerId,
    status: 'waiting-on-customer',
    previousStatus: 'open',
    changedAt: hours(at),
    firstResponseDueAt: hours(4),
    resolutionDueAt: hours(24),
  },
});
const resolved = (at: number): CaseEvent => ({
  type: 'CaseResolved',
  schemaVersion: 1,
  data: {
    caseId,
    customerId,
    resolution: sealed('replaced the hinge'),
    outcome: 'repair',
    satisfaction: 5,
    openedAt,
    resolvedAt: hours(at),
  },
});
const resolve = (at: number): CaseCommand => ({
  type: 'ResolveCase',
  now: hours(at),
  data: { caseId, resolution: sealed('replaced the hinge'), outcome: 'repair', satisfaction: 5 },
});
const breach = (at: number, target: 'first-response' | 'resolution', cycle = 0): CaseCommand => ({
  type: 'RecordSlaBreach',
  now: hours(at),
  data: { caseId, target, cycle },
});
const reopen = (at: number): CaseCommand => ({
  type: 'ReopenCase',
  now: hours(at),
  data: { caseId, reason: sealed('broke again') },
});

describe('case decider', () => {
  it('opens a service request with its SLA deadlines', () => {
    spec.given([]).when(open).then([opened]);
    spec.given([opened]).when(open).thenFails('CASE_ALREADY_EXISTS', 'conflict');
  });

  it('assigns a case, and refuses the same assignee again', () => {
    const assign: CaseCommand = {
      type: 'AssignCase',
      now: hours(1),
      data: { caseId, assigneeId: 'agent-1' },
    };
    const assigned: CaseEvent = {
      type: 'CaseAssigned',
      schemaVersion: 1,
      data: {
        caseId,
        customerId,
        assigneeId: 'agent-1',
        previousAssigneeId: null,
        assignedAt: hours(1),
      },
    };
    spec.given([opened]).when(assign).then([assigned]);
    spec.given([opened, assigned]).when(assign).thenFails('CASE_ALREADY_ASSIGNED', 'conflict');
  });

  it('marks only the first response as first', () => {
    const respond: CaseCommand = {
      type: 'RespondToCase',
      now: hours(2),
      data: { caseId, message: sealed('on it') },
    };
    spec
      .given([opened])
      .when(respond)
      .then([responded(2)]);
    spec
      .given([opened, responded(1)])
      .when(respond)
      .then([responded(2, false)]);
  });

  it('refuses every command on an unknown case with 404', () => {
    for (const command of [
      { type: 'AssignCase', now: openedAt, data: { caseId, assigneeId: 'a' } },
      { type: 'RespondToCase', now: openedAt, data: { caseId, message: sealed('x') } },
      { type: 'ChangeCaseStatus', now: openedAt, data: { caseId, status: 'in-progress' } },
      resolve(1),
      reopen(1),
      breach(5, 'first-response'),
    ] as CaseCommand[]) {
      spec.given([]).when(command).thenFails('CASE_NOT_FOUND', 'not-found');
    }
  });

  it('resolves once: a second resolution needs a reopening first', () => {
    spec
      .given([opened])
      .when(resolve(3))
      .then([resolved(3)]);
    spec
      .given([opened, resolved(3)])
      .when(resolve(4))
      .thenFails('CASE_ALREADY_RESOLVED', 'conflict');
  });

  it('refuses satisfaction outside 1..5', () => {
    spec
      .given([opened])
      .when({
        type: 'ResolveCase',
        now: hours(1),
        data: { caseId, resolution: sealed('x'), outcome: 'explanation', satisfaction: 6 },
      })
      .thenFails('INVALID_SATISFACTION', 'invalid');
  });

  it('takes no command on a resolved case but a reopening', () => {
    const history = [opened, resolved(3)];
    spec
      .given(history)
      .when({ type: 'RespondToCase', now: hours(4), data: { caseId, message: sealed('x') } })
      .thenFails('CASE_CLOSED', 'conflict');
    spec
      .given(history)
      .when({ type: 'AssignCase', now: hours(4), data: { caseId, assigneeId: 'b' } })
      .thenFails('CASE_CLOSED', 'conflict');
    spec
      .given(history)
      .when({ type: 'ChangeCaseStatus', now: hours(4), data: { caseId, status: 'in-progress' } })
      .thenFails('CASE_CLOSED', 'conflict');
  });

  it('reopens a resolved case with a new resolution deadline, and not an open one', () => {
    spec
      .given([opened, resolved(3)])
      .when(reopen(10))
      .then([
        {
          type: 'CaseReopened',
          schemaVersion: 1,
          data: {
            caseId,
            customerId,
            reason: sealed('broke again'),
            cycle: 1,
            reopenedAt: hours(10),
            resolutionDueAt: hours(34),
          },
        },
      ]);
    spec.given([opened]).when(reopen(10)).thenFails('CASE_NOT_RESOLVED', 'conflict');
  });

  it('refuses a status the case already has', () => {
    spec
      .given([opened, waiting(1)])
      .when({
        type: 'ChangeCaseStatus',
        now: hours(2),
        data: { caseId, status: 'waiting-on-customer' },
      })
      .thenFails('CASE_STATUS_UNCHANGED', 'conflict');
  });

  it('moves the deadlines by the time spent waiting on the customer', () => {
    spec
      .given([opened, waiting(1)])
      .when({ type: 'ChangeCaseStatus', now: hours(6), data: { caseId, status: 'in-progress' } })
      .then([
        {
          type: 'CaseStatusChanged',
          schemaVersion: 1,
          data: {
            caseId,
            customerId,
            status: 'in-progress',
            previousStatus: 'waiting-on-customer',
            changedAt: hours(6),
            firstResponseDueAt: hours(9),
            resolutionDueAt: hours(29),
          },
        },
      ]);
  });

  describe('SLA breaches', () => {
    const breached: CaseEvent[] = [
      {
        type: 'CaseSlaBreached',
        schemaVersion: 1,
        data: {
          caseId,
          customerId,
          target: 'first-response',
          cycle: 0,
          severity: 'high',
          dueAt: hours(4),
          detectedAt: hours(5),
        },
      },
      {
        type: 'CaseEscalated',
        schemaVersion: 2,
        data: {
          caseId,
          customerId,
          reason: `first response overdue since ${hours(4)}`,
          cause: 'sla-breach',
          target: 'first-response',
          cycle: 0,
          escalatedAt: hours(5),
        },
      },
    ];

    it('records a missed target and its escalation once', () => {
      spec.given([opened]).when(breach(5, 'first-response')).then(breached);
      spec
        .given([opened, ...breached])
        .when(breach(6, 'first-response'))
        .thenFails('SLA_NOT_DUE', 'conflict');
    });

    it('records nothing before the deadline, after the response or while waiting', () => {
      spec.given([opened]).when(breach(3, 'first-response')).thenFails('SLA_NOT_DUE');
      spec
        .given([opened, responded(2)])
        .when(breach(5, 'first-response'))
        .thenFails('SLA_NOT_DUE');
      spec
        .given([opened, waiting(1)])
        .when(breach(30, 'resolution'))
        .thenFails('SLA_NOT_DUE');
      spec
        .given([opened, resolved(2)])
        .when(breach(30, 'resolution'))
        .thenFails('SLA_NOT_DUE');
    });

    it('counts a reopened case against the new cycle only', () => {
      const reopened: CaseEvent = {
        type: 'CaseReopened',
        schemaVersion: 1,
        data: {
          caseId,
          customerId,
          reason: sealed('again'),
          cycle: 1,
          reopenedAt: hours(30),
          resolutionDueAt: hours(54),
        },
      };
      const history = [opened, responded(1), resolved(3), reopened];
      spec
        .given(history)
        .when(breach(40, 'resolution', 0))
        .thenFails('SLA_NOT_DUE');
      spec
        .given(history)
        .when(breach(50, 'resolution', 1))
        .thenFails('SLA_NOT_DUE');
      const [first] = caseDecider.decide(
        breach(55, 'resolution', 1),
        history.reduce(caseDecider.evolve, caseDecider.initialState()),
      );
      expect(first).toMatchObject({
        type: 'CaseSlaBreached',
        data: { cycle: 1, dueAt: hours(54) },
      });
    });
  });

  describe('a critical request', () => {
    const critical: CaseCommand = {
      ...open,
      data: { ...(open.data as object), severity: 'critical' },
    } as CaseCommand;
    const openedCritical: CaseEvent = {
      ...opened,
      data: { ...(opened.data as object), severity: 'critical' },
    } as CaseEvent;
    const escalatedAtOpening: CaseEvent = {
      type: 'CaseEscalated',
      schemaVersion: 2,
      data: {
        caseId,
        customerId,
        reason: 'critical severity',
        cause: 'severity',
        target: null,
        cycle: 0,
        escalatedAt: openedAt,
      },
    };

    it('is escalated at once, in the same append as its opening, for no target', () => {
      spec.given([]).when(critical).then([openedCritical, escalatedAtOpening]);
    });

    it('a request of any other severity is not', () => {
      for (const severity of ['low', 'medium', 'high'] as const) {
        const events = caseDecider.decide(
          { ...open, data: { ...(open.data as object), severity } } as CaseCommand,
          caseDecider.initialState(),
        );
        expect(events.map((e) => e.type)).toEqual(['ServiceRequestOpened']);
      }
    });

    it('still records a missed target once, with its breach escalation, and stays escalated', () => {
      const given = [openedCritical, escalatedAtOpening];
      const events = caseDecider.decide(
        breach(5, 'first-response'),
        given.reduce(caseDecider.evolve, caseDecider.initialState()),
      );
      expect(events).toEqual([
        {
          type: 'CaseSlaBreached',
          schemaVersion: 1,
          data: {
            caseId,
            customerId,
            target: 'first-response',
            cycle: 0,
            severity: 'critical',
            dueAt: hours(4),
            detectedAt: hours(5),
          },
        },
        {
          type: 'CaseEscalated',
          schemaVersion: 2,
          data: {
            caseId,
            customerId,
            reason: `first response overdue since ${hours(4)}`,
            cause: 'sla-breach',
            target: 'first-response',
            cycle: 0,
            escalatedAt: hours(5),
          },
        },
      ]);
      const after = [...given, ...events].reduce(caseDecider.evolve, caseDecider.initialState());
      expect(after).toMatchObject({ escalated: true, breaches: ['first-response@0'] });
      spec
        .given([...given, ...events])
        .when(breach(6, 'first-response'))
        .thenFails('SLA_NOT_DUE', 'conflict');
    });
  });

  describe('complaints are cases', () => {
    const raised: CaseEvent = {
      type: 'ComplaintRaised',
      schemaVersion: 1,
      data: {
        complaintId: caseId,
        customerId,
        category: 'billing',
        severity: 'low',
        description: sealed('charged twice'),
        raisedAt: openedAt,
      },
    };

    it('a complaint stored before SLAs existed has no deadline to miss', () => {
      spec.given([raised]).when(breach(500, 'resolution')).thenFails('SLA_NOT_DUE');
    });

    it('resolving a complaint as a case records ComplaintResolved with its outcome', () => {
      spec
        .given([raised])
        .when(resolve(3))
        .then([
          {
            type: 'ComplaintResolved',
            schemaVersion: 1,
            data: {
              complaintId: caseId,
              customerId,
              resolution: sealed('replaced the hinge'),
              satisfaction: 5,
              outcome: 'repair',
              raisedAt: openedAt,
              resolvedAt: hours(3),
            },
          },
        ]);
    });

    it('a complaint with SLA gets its deadlines', () => {
      spec
        .given([])
        .when({
          type: 'RaiseComplaint',
          now: openedAt,
          data: {
            complaintId: caseId,
            customerId,
            category: 'billing',
            severity: 'low',
            description: sealed('charged twice'),
            sla,
          },
        })
        .then([
          {
            ...raised,
            data: {
              ...raised.data,
              firstResponseHours: 4,
              resolutionHours: 24,
              firstResponseDueAt: hours(4),
              resolutionDueAt: hours(24),
            },
          } as CaseEvent,
        ]);
    });
  });

  describe('with the client', () => {
    const erased: CustomerState = { status: 'erased' } as CustomerState;
    const history = [opened, resolved(3)].reduce(caseDecider.evolve, caseDecider.initialState());

    it('refuses to reopen a case of an erased client', () => {
      expect(() => decideCaseWithCustomer(reopen(10), history, erased)).toThrow(
        expect.objectContaining({ code: 'CUSTOMER_ERASED' }),
      );
    });

    it('refuses a request for an unknown client', () => {
      expect(() =>
        decideCaseWithCustomer(open, caseDecider.initialState(), { status: 'none' }),
      ).toThrow(expect.objectContaining({ code: 'CUSTOMER_NOT_FOUND' }));
    });
  });
});
