// The write path's effects happen only once a decision holds: a refused, stale or failed
// command seals nothing and destroys nothing; an erasure's key dies only after its event is
// durable, and an erasure that a dead process left half done completes at the next start.
import { customerStreamId, type EventEnvelope } from '@rapport/domain';
import { EventStoreUnavailableError, newEvent } from '@rapport/event-store';
import { KEY_STORE, type KeyStore } from '@rapport/privacy';
import { COMMAND_LIST } from '../../apps/api/src/commands/command.catalogue';
import { ErasureCompletion } from '../../apps/api/src/processes/erasure-completion.process';
import { startTestApi, type TestApi } from '../support/api-harness';
import { buildWorld, createLead, unknownId, type World } from '../support/world';

let api: TestApi;
beforeEach(async () => {
  api = await startTestApi();
});
afterEach(async () => {
  await api.close();
});

const keyOf = (customerId: string) => api.app.get<KeyStore>(KEY_STORE).load(customerId);
const streamTypes = async (customerId: string) =>
  (await api.eventStore.readStream(customerStreamId(customerId))).events.map((e) => e.type);
const erase = (customerId: string, headers: Record<string, string> = {}) =>
  api.client
    .as('admin')
    .post(`/customers/${customerId}/erasure`, { reason: 'GDPR art. 17' }, { headers });

/** Waits for a condition the API reaches by itself (the erasure completion runs in the background). */
async function eventually(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('erasure', () => {
  it('refused for a stale If-Match: nothing is erased, the key and the personal data remain', async () => {
    const customerId = await createLead(api.client, { name: 'Ada Lovelace' });
    const contact = await api.client.as('sales').post(`/customers/${customerId}/contacts`, {
      channel: 'call',
      direction: 'inbound',
      subject: 'Hello',
    });

    const refused = await erase(customerId, { 'if-match': '0' });

    expect(refused.status).toBe(409);
    expect(await keyOf(customerId)).toBeDefined();
    expect(await streamTypes(customerId)).toEqual(['LeadCreated', 'ContactLogged']);
    const view = await api.client
      .as('sales')
      .get(`/customers/${customerId}?minPosition=${contact.body.position}`);
    expect(view.body).toMatchObject({ status: 'lead', profile: { name: 'Ada Lovelace' } });
  });

  it('failing in the store (503): the key survives, and a retry then erases', async () => {
    const customerId = await createLead(api.client);
    const store = api.eventStore;
    const append = store.append.bind(store);
    store.append = () => Promise.reject(new EventStoreUnavailableError('disk gone'));

    const failed = await erase(customerId);
    store.append = append;

    expect(failed.status).toBe(503);
    expect(await keyOf(customerId)).toBeDefined();
    expect(await streamTypes(customerId)).toEqual(['LeadCreated']);
    expect((await erase(customerId)).status).toBe(201);
    expect(await keyOf(customerId)).toBeUndefined();
  });

  it('completes at the next start when the process died between the append and the key destruction', async () => {
    const customerId = await createLead(api.client);
    // What a kill -9 right after the append leaves behind: CustomerErased durable, key alive.
    const { revision } = await api.eventStore.readStream(customerStreamId(customerId));
    await api.eventStore.append({
      streams: [
        {
          streamId: customerStreamId(customerId),
          expectedRevision: revision,
          events: [
            newEvent(
              {
                type: 'CustomerErased',
                schemaVersion: 1,
                data: { customerId, reason: 'GDPR', erasedAt: new Date().toISOString() },
              },
              {
                customerId,
                actor: { id: 'admin-user', roles: ['admin'], kind: 'user' },
                correlationId: 'c',
                commandId: 'died-after-append',
                source: 'api',
              },
            ),
          ],
        },
      ],
    });
    await api.app.get(ErasureCompletion).onModuleDestroy();
    expect(await keyOf(customerId)).toBeDefined();

    await api.restart();

    await eventually(async () => (await keyOf(customerId)) === undefined, 'the key is destroyed');
  });

  it('racing contacts: every contact lands before the erasure or is refused, and no key survives', async () => {
    for (let round = 0; round < 10; round++) {
      const customerId = await createLead(api.client);
      const contacts = Array.from({ length: 4 }, (_, i) =>
        api.client.as('sales').post(`/customers/${customerId}/contacts`, {
          channel: 'email',
          direction: 'outbound',
          subject: `Offer ${i}`,
        }),
      );
      const [erased, ...logged] = await Promise.all([erase(customerId), ...contacts]);

      expect(erased.status).toBe(201);
      for (const answer of logged) {
        if (answer.status === 201) expect(answer.body.position).toBeLessThan(erased.body.position);
        else expect(answer.body).toMatchObject({ code: 'CUSTOMER_ERASED' });
      }
      expect(await keyOf(customerId)).toBeUndefined();
      const types = await streamTypes(customerId);
      expect(types[types.length - 1]).toBe('CustomerErased');
    }
  });
});

describe('sealing', () => {
  it('creates no key for a command the decider refuses (unknown client)', async () => {
    const customerId = unknownId();
    const contact = await api.client.as('sales').post(`/customers/${customerId}/contacts`, {
      channel: 'call',
      direction: 'inbound',
      subject: 'Who is this?',
      notes: 'personal notes',
    });
    const correction = await api.client
      .as('sales')
      .patch(`/customers/${customerId}`, { name: 'Somebody' });

    expect([contact.status, correction.status]).toEqual([404, 404]);
    expect(await keyOf(customerId)).toBeUndefined();
  });

  it('creates no key for a lead refused as a duplicate of an erased client', async () => {
    const customerId = await createLead(api.client);
    expect((await erase(customerId)).status).toBe(201);

    const again = await api.client
      .as('sales')
      .post('/customers', { name: 'Ada', source: 'web', customerId });

    expect(again.status).toBe(409);
    expect(await keyOf(customerId)).toBeUndefined();
  });
});

describe('bodies are JSON objects on every command', () => {
  let world: World;
  beforeEach(async () => {
    world = await buildWorld(api.client);
  });

  const pathOf = (path: string, target: string) =>
    path.replace(
      ':id',
      target === 'deal'
        ? world.dealId
        : target === 'complaint'
          ? world.complaintId
          : world.customerId,
    );

  it.each(COMMAND_LIST.map((definition) => [definition.name, definition] as const))(
    '%s refuses null, arrays, strings and numbers with 400 and appends nothing',
    async (_name, definition) => {
      const head = await api.eventStore.headPosition();
      for (const raw of ['null', '[]', '[{}]', '"text"', '42', 'true']) {
        const answer = await api.client
          .as('admin')
          .send(
            definition.http.method,
            pathOf(definition.http.path, definition.target),
            undefined,
            {
              raw,
            },
          );
        expect({ raw, status: answer.status, code: answer.body?.code }).toEqual({
          raw,
          status: 400,
          code: 'VALIDATION_FAILED',
        });
      }
      const appended: EventEnvelope[] = await api.eventStore.readAll({ after: head, limit: 100 });
      expect(appended).toEqual([]);
    },
  );
});
