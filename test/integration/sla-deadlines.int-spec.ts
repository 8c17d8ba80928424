import { caseStreamId } from '@rapport/domain';
import { EVENT_STORE } from '@rapport/event-store';
import { Metrics } from '@rapport/platform';
import { PersonalDataCipher } from '@rapport/privacy';
import { READ_STORE } from '@rapport/read-models';
import { TestClock } from '@rapport/testing';
import { CommandExecutor } from '../../apps/api/src/commands/command-executor';
import {
  APP_CONFIG,
  CLOCK,
  GUARANTEES_OFF,
  LOGGER,
} from '../../apps/api/src/infrastructure/tokens';
import { SlaDeadlineProcessor } from '../../apps/api/src/processes/sla-deadline.process';
import { ReadModelCatalog } from '../../apps/api/src/read-side/read-model.catalog';
import { createLead } from '../support/world';
import { startDistributed, until, type Distributed } from './support/distributed-harness';

const HOUR = 3_600_000;

describe('the SLA deadline processor in the distributed profile (Kafka projector, MongoDB)', () => {
  let d: Distributed;
  const clock = new TestClock();
  beforeAll(async () => {
    d = await startDistributed({ clock });
  });
  afterAll(() => d.close());

  it('finds missed deadlines in MongoDB and records each once with two replicas racing', async () => {
    const customerId = await createLead(d.api.client);
    const cases: string[] = [];
    let position = 0;
    for (let i = 0; i < 3; i++) {
      const answer = await d.api.client.as('support').post(`/customers/${customerId}/requests`, {
        type: 'error',
        subject: 'Down',
        description: 'Nothing works',
        severity: 'critical',
      });
      expect(answer.status).toBe(201);
      cases.push(answer.body.caseId);
      position = answer.body.position;
    }
    await until(
      async () =>
        (await d.api.client.as('support').get(`/cases?minPosition=${position}`)).status === 200,
      'the queue to show the new cases',
      90_000,
    );
    clock.advance(2 * HOUR);

    const { app } = d.api;
    // Another API replica: its own command executor on the same event store and read models.
    const replica = new SlaDeadlineProcessor(
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
    const [a, b] = await Promise.all([app.get(SlaDeadlineProcessor).runOnce(), replica.runOnce()]);
    // (The API's own background run may have taken some: at most one append per breach.)
    expect(a.recorded + b.recorded).toBeLessThanOrEqual(cases.length);
    for (const caseId of cases) {
      const { events } = await d.api.eventStore.readStream(caseStreamId(caseId));
      // Critical: escalated at opening, then the breach and its escalation, once.
      expect(events.map((e) => [e.type, (e.data as { cause?: string }).cause])).toEqual([
        ['ServiceRequestOpened', undefined],
        ['CaseEscalated', 'severity'],
        ['CaseSlaBreached', undefined],
        ['CaseEscalated', 'sla-breach'],
      ]);
    }
    // Once projected through Kafka, the deadlines have left the range: nothing more to record.
    const head = await d.api.eventStore.headPosition();
    await until(
      async () =>
        (await d.api.client.as('support').get(`/cases?minPosition=${head}`)).status === 200,
      'the breaches to be projected',
      90_000,
    );
    expect((await replica.runOnce()).recorded).toBe(0);
    const overdue = await d.api.client
      .as('support')
      .get(`/cases?customerId=${customerId}&overdue=true`);
    expect(overdue.body.items).toHaveLength(cases.length);
  });
});
