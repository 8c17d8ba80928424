import { caseStreamId, type EventEnvelope } from '@rapport/domain';
import { EVENT_STORE } from '@rapport/event-store';
import { Metrics } from '@rapport/platform';
import { PersonalDataCipher } from '@rapport/privacy';
import { READ_STORE } from '@rapport/read-models';
import { CommandExecutor } from '../../apps/api/src/commands/command-executor';
import {
  APP_CONFIG,
  CLOCK,
  GUARANTEES_OFF,
  LOGGER,
} from '../../apps/api/src/infrastructure/tokens';
import { SlaDeadlineProcessor } from '../../apps/api/src/processes/sla-deadline.process';
import { ReadModelCatalog } from '../../apps/api/src/read-side/read-model.catalog';
import { startTestApi, type TestApi } from '../support/api-harness';
import { createLead } from '../support/world';
import { TestClock } from '@rapport/testing';
import { rmSync } from 'node:fs';

const HOUR = 3_600_000;

/** Targets of these tests: critical 1 h to first response, 8 h to resolution. */
const SLA = JSON.stringify({ critical: { firstResponseHours: 1, resolutionHours: 8 } });

describe('the SLA deadline processor (test clock)', () => {
  let api: TestApi;
  beforeAll(async () => {
    // The processor runs at start, then only when a test asks (no timed background runs).
    api = await startTestApi({
      env: { CRM_SLA_TARGETS: SLA, CRM_SLA_CHECK_INTERVAL_MS: '3600000' },
    });
  });
  afterAll(() => api.close());

  const processor = () => api.app.get(SlaDeadlineProcessor);

  async function openCritical(): Promise<{
    caseId: string;
    customerId: string;
    position: number;
  }> {
    const customerId = await createLead(api.client);
    const answer = await api.client.as('support').post(`/customers/${customerId}/requests`, {
      type: 'error',
      subject: 'Production down',
      description: 'Nothing works',
      severity: 'critical',
    });
    expect(answer.status).toBe(201);
    return { caseId: answer.body.caseId, customerId, position: answer.body.position };
  }

  /** Waits until the queue's read model has every event up to `position` (read-your-writes). */
  const projected = async (caseId: string, position: number) =>
    expect(
      (await api.client.as('support').get(`/cases/${caseId}?minPosition=${position}`)).status,
    ).toBe(200);

  /** The breaches recorded and their escalations (not the escalation at opening). */
  const breaches = async (caseId: string) =>
    (await api.eventStore.readStream(caseStreamId(caseId))).events.filter(
      (e: EventEnvelope) =>
        e.type === 'CaseSlaBreached' ||
        (e.type === 'CaseEscalated' && (e.data as { cause: string }).cause === 'sla-breach'),
    );

  it('escalates a critical request at once, and still records its breach and escalation once', async () => {
    const { caseId, customerId, position } = await openCritical();
    const { events } = (await api.eventStore.readStream(caseStreamId(caseId))) as {
      events: EventEnvelope<string, Record<string, unknown>>[];
    };
    // One append: the opening and the escalation for its severity, at the same position range.
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['ServiceRequestOpened', expect.objectContaining({ severity: 'critical' })],
      [
        'CaseEscalated',
        expect.objectContaining({ cause: 'severity', target: null, reason: 'critical severity' }),
      ],
    ]);
    expect(events[1]!.metadata.commandId).toBe(events[0]!.metadata.commandId);
    await projected(caseId, position);
    const queue = await api.client.as('support').get(`/cases?customerId=${customerId}`);
    expect(queue.body.items).toEqual([
      expect.objectContaining({
        caseId,
        escalated: true,
        escalations: 1,
        escalationCause: 'severity',
        escalatedAt: events[1]!.data['escalatedAt'],
        overdue: false,
      }),
    ]);

    // The first response is missed: the breach is recorded once, the case stays escalated as
    // it was (since its opening, for its severity).
    api.clock.advance(2 * HOUR);
    await processor().runOnce();
    await processor().runOnce();
    const recorded = await breaches(caseId);
    expect(recorded.map((e) => [e.type, (e.data as { target: string }).target])).toEqual([
      ['CaseSlaBreached', 'first-response'],
      ['CaseEscalated', 'first-response'],
    ]);
    await projected(caseId, Math.max(...recorded.map((e) => e.position)));
    const view = await api.client.as('support').get(`/cases/${caseId}`);
    expect(view.body).toMatchObject({
      overdue: true,
      escalated: true,
      escalations: 2,
      escalationCause: 'severity',
      escalatedAt: events[1]!.data['escalatedAt'],
    });
  });

  it('does not escalate a request of high severity at opening', async () => {
    const customerId = await createLead(api.client);
    const answer = await api.client.as('support').post(`/customers/${customerId}/requests`, {
      type: 'question',
      subject: 'Invoice',
      description: 'Where is it?',
      severity: 'high',
    });
    expect(answer.status).toBe(201);
    const { events } = await api.eventStore.readStream(caseStreamId(answer.body.caseId));
    expect(events.map((e) => e.type)).toEqual(['ServiceRequestOpened']);
    await projected(answer.body.caseId, answer.body.position);
    const view = await api.client.as('support').get(`/cases/${answer.body.caseId}`);
    expect(view.body).toMatchObject({ escalated: false, escalations: 0, escalationCause: null });
  });

  it('records a missed first response once, with its escalation, however often it runs', async () => {
    const { caseId, customerId, position } = await openCritical();
    await projected(caseId, position);
    api.clock.advance(HOUR / 2);
    await processor().runOnce();
    expect(await breaches(caseId)).toEqual([]);

    api.clock.advance(HOUR);
    await processor().runOnce();
    // Again before and after the breach is projected: nothing more.
    await processor().runOnce();
    const recorded = await breaches(caseId);
    await projected(caseId, Math.max(...recorded.map((e) => e.position)));
    await processor().runOnce();

    expect((await breaches(caseId)).map((e) => [e.type, e.data])).toEqual([
      ['CaseSlaBreached', expect.objectContaining({ target: 'first-response', cycle: 0 })],
      ['CaseEscalated', expect.objectContaining({ target: 'first-response', cycle: 0 })],
    ]);
    const view = await api.client.as('support').get(`/cases/${caseId}`);
    // Escalated at opening (critical) and for the breach.
    expect(view.body).toMatchObject({ overdue: true, escalations: 2, escalationCause: 'severity' });
    expect(view.body.sla.breaches).toHaveLength(1);
    const queue = await api.client.as('support').get('/cases?overdue=true&limit=500');
    expect(queue.body.items.map((c: { caseId: string }) => c.caseId)).toContain(caseId);
    // The client's 360 view counts it, and so does their churn risk.
    const client = await api.client.as('support').get(`/customers/${customerId}`);
    expect(client.body.cases).toMatchObject({ open: 1, breached: 1, escalated: 2 });
    expect(client.body.churnRisk.reasons).toContain('1 open service case past their SLA');
  });

  it('records nothing while the case waits on the customer, and counts only the time not waited', async () => {
    const { caseId } = await openCritical();
    await api.client.as('support').post(`/cases/${caseId}/respond`, { message: 'Looking' });
    const wait = await api.client
      .as('support')
      .post(`/cases/${caseId}/status`, { status: 'waiting-on-customer' });
    await projected(caseId, wait.body.position);
    api.clock.advance(24 * HOUR);
    await processor().runOnce();
    expect(await breaches(caseId)).toEqual([]);

    // 24 hours waited: the 8-hour resolution clock has 8 hours left from here.
    const resume = await api.client
      .as('support')
      .post(`/cases/${caseId}/status`, { status: 'in-progress' });
    await projected(caseId, resume.body.position);
    api.clock.advance(7 * HOUR);
    await processor().runOnce();
    expect(await breaches(caseId)).toEqual([]);

    api.clock.advance(2 * HOUR);
    await processor().runOnce();
    expect((await breaches(caseId)).map((e) => e.type)).toEqual([
      'CaseSlaBreached',
      'CaseEscalated',
    ]);
    expect((await breaches(caseId))[0]!.data).toMatchObject({ target: 'resolution' });
  });

  it('records at the next start a deadline that passed while the process was stopped', async () => {
    const clock = new TestClock();
    const env = { CRM_SLA_TARGETS: SLA, CRM_SLA_CHECK_INTERVAL_MS: '3600000' };
    const before = await startTestApi({ clock, env });
    const customerId = await createLead(before.client);
    const opened = await before.client.as('support').post(`/customers/${customerId}/requests`, {
      type: 'error',
      subject: 'Down',
      description: 'Down',
      severity: 'critical',
    });
    const { caseId, position } = opened.body as { caseId: string; position: number };
    await before.client.as('support').get(`/cases/${caseId}?minPosition=${position}`);
    await before.app.close();

    clock.advance(3 * HOUR); // the first-response deadline passes while nothing runs
    const after = await startTestApi({ clock, env, dataDir: before.dataDir });
    try {
      await after.app.get(SlaDeadlineProcessor).firstRun;
      const { events } = await after.eventStore.readStream(caseStreamId(caseId));
      expect(events.map((e) => e.type)).toEqual([
        'ServiceRequestOpened',
        'CaseEscalated',
        'CaseSlaBreached',
        'CaseEscalated',
      ]);
      expect(events[2]!.data).toMatchObject({
        target: 'first-response',
        dueAt: new Date(Date.parse(events[0]!.recordedAt) + HOUR).toISOString(),
      });
    } finally {
      await after.close();
      rmSync(before.dataDir, { recursive: true, force: true });
    }
  });

  it('records a breach once when two processors race', async () => {
    const cases = await Promise.all([openCritical(), openCritical(), openCritical()]);
    for (const { caseId, position } of cases) await projected(caseId, position);
    api.clock.advance(2 * HOUR);
    const { app } = api;
    // A second processor with its own command executor (its own aggregate cache), as another
    // API replica would have, on the same stores.
    const other = new SlaDeadlineProcessor(
      new CommandExecutor(
        app.get(EVENT_STORE),
        app.get(Metrics),
        app.get(PersonalDataCipher),
        app.get(LOGGER),
        app.get(GUARANTEES_OFF),
      ),
      app.get(ReadModelCatalog),
      app.get(READ_STORE),
      app.get(CLOCK),
      app.get(APP_CONFIG),
      app.get(LOGGER),
    );
    const [a, b] = await Promise.all([processor().runOnce(), other.runOnce()]);
    // Each breach appended by exactly one of them; the other was refused or answered a duplicate.
    expect(a.recorded + b.recorded).toBe(cases.length);
    for (const { caseId } of cases) {
      expect((await breaches(caseId)).map((e) => e.type)).toEqual([
        'CaseSlaBreached',
        'CaseEscalated',
      ]);
    }
  });
});
