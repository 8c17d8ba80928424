import { TestClock } from '@rapport/testing';
import { startTestApi, type TestApi, type TestRole } from '../support/api-harness';
import { expectCreated } from '../support/world';

interface Change {
  field: string;
  from: unknown;
  to: unknown;
}
interface TrailEntry {
  kind: string;
  type: string;
  changes?: Change[];
}

/** Record ids in field names (`deals.<uuid>.stage`) read as `<id>`, so expectations are stable. */
const named = (changes: Change[]) =>
  changes.map((change) => ({
    ...change,
    field: change.field.replace(/\.[0-9a-f-]{36}\./, '.<id>.'),
  }));

describe('audit: field-level history of every change, as each role may see it', () => {
  let api: TestApi;
  let customerId: string;
  const at = (time: string) => api.clock.set(`2026-05-01T${time}Z`);
  const ok = async (
    role: TestRole,
    method: 'POST' | 'PATCH',
    path: string,
    body: Record<string, unknown>,
  ) => {
    const response = await api.client.as(role).send(method, path, body);
    if (response.status !== 201 && response.status !== 200) {
      throw new Error(`${method} ${path} answered ${response.status}: ${response.text}`);
    }
    return response.body;
  };
  const changesAs = async (role: TestRole) => {
    const head = await api.eventStore.headPosition();
    const trail = await api.client
      .as(role)
      .get(`/audit/customers/${customerId}?minPosition=${head}&limit=1000`);
    expect(trail.status).toBe(200);
    return (trail.body.entries as TrailEntry[])
      .filter((entry) => entry.kind === 'change')
      .map((entry) => [entry.type, named(entry.changes!)] as const);
  };

  beforeAll(async () => {
    api = await startTestApi({ clock: new TestClock('2026-05-01T08:00:00Z') });
    at('08:00:00');
    const created = await api.client.as('sales').post('/customers', {
      name: 'Lena Lead',
      email: 'lena@old.example',
      phone: '+1 555 0199',
      company: 'Acme',
      source: 'web',
    });
    expectCreated(created, 'lead');
    customerId = created.body.customerId;
    const client = `/customers/${customerId}`;
    await ok('support', 'PATCH', client, { name: 'Lena Lind', email: 'lena@new.example' });
    await ok('sales', 'POST', `${client}/owner`, { ownerId: 'rep-2' });
    await ok('sales', 'POST', `${client}/consents`, { purpose: 'marketing', granted: true });
    await ok('sales', 'POST', `${client}/consents`, { purpose: 'marketing', granted: false });
    await ok('sales', 'POST', `${client}/contacts`, {
      channel: 'call',
      direction: 'outbound',
      subject: 'Intro call',
      notes: 'Asked for prices',
    });
    const won = await ok('sales', 'POST', `${client}/deals`, {
      title: 'Boat',
      amount: 1000,
      currency: 'EUR',
    });
    await ok('sales', 'POST', `/deals/${won.dealId}/stage`, { stage: 'proposal' });
    await ok('sales', 'POST', `/deals/${won.dealId}/won`, { amount: 1200 });
    const lost = await ok('sales', 'POST', `${client}/deals`, {
      title: 'Trailer',
      amount: 300,
      currency: 'EUR',
    });
    await ok('sales', 'POST', `/deals/${lost.dealId}/lost`, { reason: 'too expensive' });
    const complaint = await ok('support', 'POST', `${client}/complaints`, {
      category: 'delivery',
      severity: 'critical',
      description: 'Boat arrived scratched',
    });
    await ok('support', 'POST', `/complaints/${complaint.complaintId}/resolve`, {
      resolution: 'Repainted',
      satisfaction: 4,
    });
    const call = await ok('sales', 'POST', `${client}/activities`, {
      kind: 'call',
      subject: 'Follow up',
      dueAt: '2026-05-03T10:00:00Z',
      ownerId: 'rep-2',
    });
    await ok('sales', 'POST', `/activities/${call.activityId}/reschedule`, {
      dueAt: '2026-05-04T10:00:00Z',
    });
    await ok('sales', 'POST', `/activities/${call.activityId}/assign`, { ownerId: 'rep-3' });
    await ok('sales', 'POST', `/activities/${call.activityId}/complete`, {
      outcome: 'reached',
      notes: 'Happy now',
    });
    const task = await ok('sales', 'POST', `${client}/activities`, {
      kind: 'task',
      subject: 'Send brochure',
      dueAt: '2026-05-05T10:00:00Z',
    });
    await ok('sales', 'POST', `/activities/${task.activityId}/cancel`, { reason: 'not needed' });
    await ok('sales', 'POST', `${client}/churn`, { reason: 'moved away' });
    await ok('sales', 'POST', `${client}/contacts`, {
      channel: 'email',
      direction: 'inbound',
      subject: 'Back again',
    });
  });
  afterAll(() => api.close());

  /** Every change of the client, in order, as [type, [field, from, to]...], seen by an admin. */
  const IN_CLEAR: [string, [string, unknown, unknown][]][] = [
    [
      'LeadCreated',
      [
        ['name', null, 'Lena Lead'],
        ['email', null, 'lena@old.example'],
        ['phone', null, '+1 555 0199'],
        ['company', null, 'Acme'],
        ['source', null, 'web'],
        ['status', null, 'lead'],
      ],
    ],
    [
      'CustomerProfileCorrected',
      [
        ['name', 'Lena Lead', 'Lena Lind'],
        ['email', 'lena@old.example', 'lena@new.example'],
      ],
    ],
    ['OwnerAssigned', [['ownerId', null, 'rep-2']]],
    ['ConsentGranted', [['consents.marketing', null, true]]],
    ['ConsentRevoked', [['consents.marketing', true, false]]],
    [
      'ContactLogged',
      [
        ['contacts.<id>.channel', null, 'call'],
        ['contacts.<id>.direction', null, 'outbound'],
        ['contacts.<id>.subject', null, 'Intro call'],
        ['contacts.<id>.notes', null, 'Asked for prices'],
        ['contacts.<id>.occurredAt', null, '2026-05-01T08:00:00.000Z'],
      ],
    ],
    [
      'DealOpened',
      [
        ['deals.<id>.title', null, 'Boat'],
        ['deals.<id>.amount', null, 1000],
        ['deals.<id>.currency', null, 'EUR'],
        ['deals.<id>.stage', null, 'qualification'],
        ['deals.<id>.ownerId', null, 'rep-2'],
        ['deals.<id>.status', null, 'open'],
      ],
    ],
    ['DealStageChanged', [['deals.<id>.stage', 'qualification', 'proposal']]],
    [
      'DealWon',
      [
        ['deals.<id>.status', 'open', 'won'],
        ['deals.<id>.amount', 1000, 1200],
      ],
    ],
    ['CustomerConverted', [['status', 'lead', 'customer']]],
    [
      'DealOpened',
      [
        ['deals.<id>.title', null, 'Trailer'],
        ['deals.<id>.amount', null, 300],
        ['deals.<id>.currency', null, 'EUR'],
        ['deals.<id>.stage', null, 'qualification'],
        ['deals.<id>.ownerId', null, 'rep-2'],
        ['deals.<id>.status', null, 'open'],
      ],
    ],
    ['DealLost', [['deals.<id>.status', 'open', 'lost']]],
    [
      'ComplaintRaised',
      [
        ['complaints.<id>.category', null, 'delivery'],
        ['complaints.<id>.severity', null, 'critical'],
        ['complaints.<id>.description', null, 'Boat arrived scratched'],
        ['complaints.<id>.status', null, 'open'],
      ],
    ],
    ['ComplaintEscalated', [['complaints.<id>.escalated', null, true]]],
    [
      'ComplaintResolved',
      [
        ['complaints.<id>.status', 'open', 'resolved'],
        ['complaints.<id>.resolution', null, 'Repainted'],
        ['complaints.<id>.satisfaction', null, 4],
      ],
    ],
    [
      'ActivityScheduled',
      [
        ['activities.<id>.kind', null, 'call'],
        ['activities.<id>.subject', null, 'Follow up'],
        ['activities.<id>.dueAt', null, '2026-05-03T10:00:00.000Z'],
        ['activities.<id>.ownerId', null, 'rep-2'],
        ['activities.<id>.status', null, 'planned'],
      ],
    ],
    [
      'ActivityRescheduled',
      [['activities.<id>.dueAt', '2026-05-03T10:00:00.000Z', '2026-05-04T10:00:00.000Z']],
    ],
    ['ActivityReassigned', [['activities.<id>.ownerId', 'rep-2', 'rep-3']]],
    [
      'ActivityCompleted',
      [
        ['activities.<id>.status', 'planned', 'done'],
        ['activities.<id>.outcome', null, 'reached'],
        ['activities.<id>.notes', null, 'Happy now'],
      ],
    ],
    [
      'ContactLogged',
      [
        ['contacts.<id>.channel', null, 'call'],
        ['contacts.<id>.direction', null, 'outbound'],
        ['contacts.<id>.subject', null, 'Follow up'],
        ['contacts.<id>.notes', null, 'Happy now'],
        ['contacts.<id>.outcome', null, 'reached'],
        ['contacts.<id>.occurredAt', null, '2026-05-01T08:00:00.000Z'],
      ],
    ],
    [
      'ActivityScheduled',
      [
        ['activities.<id>.kind', null, 'task'],
        ['activities.<id>.subject', null, 'Send brochure'],
        ['activities.<id>.dueAt', null, '2026-05-05T10:00:00.000Z'],
        ['activities.<id>.ownerId', null, 'rep-2'],
        ['activities.<id>.status', null, 'planned'],
      ],
    ],
    ['ActivityCancelled', [['activities.<id>.status', 'planned', 'cancelled']]],
    ['CustomerChurned', [['status', 'customer', 'churned']]],
    [
      'ContactLogged',
      [
        ['contacts.<id>.channel', null, 'email'],
        ['contacts.<id>.direction', null, 'inbound'],
        ['contacts.<id>.subject', null, 'Back again'],
        ['contacts.<id>.occurredAt', null, '2026-05-01T08:00:00.000Z'],
      ],
    ],
    ['CustomerReactivated', [['status', 'churned', 'customer']]],
  ];
  const PERSONAL_FIELDS = /(^|\.)(name|email|phone|company|subject|notes|description|resolution)$/;
  const PLAINTEXT = ['Lena', 'lena@', '555 0199', 'Acme', 'Intro call', 'prices', 'scratched'];
  /** The same history with every personal value (not null) shown as `shown`. */
  const withPersonalValues = (shown: string) =>
    IN_CLEAR.map(
      ([type, changes]) =>
        [
          type,
          changes.map(([field, from, to]) => {
            const personal = PERSONAL_FIELDS.test(field);
            return {
              field,
              from: personal && from !== null ? shown : from,
              to: personal && to !== null ? shown : to,
            };
          }),
        ] as const,
    );
  const asObjects = () =>
    IN_CLEAR.map(
      ([type, changes]) =>
        [type, changes.map(([field, from, to]) => ({ field, from, to }))] as const,
    );

  it('gives every command that changed a field its fields, from what to what, in clear for an admin', async () => {
    expect(await changesAs('admin')).toEqual(asObjects());
  });

  it('masks every personal value for an auditor, keeps the rest, and records what the trail showed', async () => {
    const changes = await changesAs('auditor');
    expect(changes).toEqual(withPersonalValues('[masked]'));
    expect(PLAINTEXT.filter((text) => JSON.stringify(changes).includes(text))).toEqual([]);
    const head = await api.eventStore.headPosition();
    const trail = await api.client
      .as('admin')
      .get(`/audit/customers/${customerId}?minPosition=${head}&limit=1000`);
    const reads = trail.body.entries.filter(
      (entry: { kind: string; view?: string }) =>
        entry.kind === 'view' && entry.view === 'audit-trail',
    );
    expect(reads.at(-1)).toMatchObject({
      actor: 'auditor-user',
      fieldsShown: [],
      fieldsMasked: expect.arrayContaining(['name', 'email', 'phone', 'company', 'subject']),
    });
  });

  it('masks them in the report for an auditor too, CSV included', async () => {
    const report = await api.client
      .as('auditor')
      .get(`/audit/customers/${customerId}/report?format=csv`);
    expect(report.status).toBe(200);
    // Quoted CSV cell: its quotes doubled.
    expect(report.text).toContain('name: null -> ""[masked]""');
    expect(PLAINTEXT.filter((text) => report.text.includes(text))).toEqual([]);
  });

  it('shows every personal value as [erased] after the erasure, to every role', async () => {
    await ok('admin', 'POST', `/customers/${customerId}/erasure`, {
      reason: 'asked to be forgotten',
    });
    for (const role of ['admin', 'auditor'] as const) {
      const changes = await changesAs(role);
      expect(changes.slice(0, -1)).toEqual(withPersonalValues('[erased]'));
      expect(changes.at(-1)).toEqual([
        'CustomerErased',
        [
          { field: 'name', from: '[erased]', to: null },
          { field: 'email', from: '[erased]', to: null },
          { field: 'phone', from: '[erased]', to: null },
          { field: 'company', from: '[erased]', to: null },
          { field: 'status', from: 'customer', to: 'erased' },
        ],
      ]);
      expect(PLAINTEXT.filter((text) => JSON.stringify(changes).includes(text))).toEqual([]);
    }
  });
});
