import { randomUUID } from 'node:crypto';
import { customerDecider, customerStreamId, type CustomerCommand } from '@rapport/domain';
import { InMemoryEventStore } from '@rapport/event-store/adapters';
import { createLogger, Metrics } from '@rapport/platform';
import { DataKeys, PersonalDataCipher } from '@rapport/privacy';
import { InMemoryKeyStore } from '@rapport/privacy/adapters';
import { sealed } from '@rapport/testing';
import type { CommandContext } from './command-context';
import { CommandExecutor, type BatchCommand } from './command-executor';

const customerId = 'c-1';
const now = '2026-03-01T10:00:00.000Z';

function context(): CommandContext {
  const commandId = randomUUID();
  return {
    actor: { id: 'u1', kind: 'user', roles: ['sales'] },
    now,
    receivedAt: now,
    correlationId: commandId,
    commandId,
    idempotent: false,
    fingerprint: commandId,
    source: 'api',
  };
}

const executorOn = (store: InMemoryEventStore, keys = new InMemoryKeyStore()) =>
  new CommandExecutor(
    store,
    new Metrics(),
    new PersonalDataCipher(new DataKeys(keys, Buffer.alloc(32, 1))),
    createLogger('silent'),
    new Set(),
  );

/** Runs one customer command through an executor, as the command definitions do. */
const run = (executor: CommandExecutor, command: CustomerCommand) =>
  executor.execute(command.type, context(), async ({ load }) => {
    const customer = await load(customerDecider, customerStreamId(customerId));
    return {
      customerId,
      primary: {
        streamId: customer.streamId,
        revision: customer.revision,
        events: customerDecider.decide(command, customer.state),
      },
    };
  });

const logContact = (contactId: string): CustomerCommand => ({
  type: 'LogContact',
  now,
  data: {
    customerId,
    contactId,
    channel: 'call',
    direction: 'inbound',
    subject: sealed('call'),
  },
});
const churn: CustomerCommand = {
  type: 'ChurnCustomer',
  now,
  data: { customerId, reason: 'price' },
};

describe('command executor', () => {
  it('decides on what this instance appended, without losing what another instance appended', async () => {
    const store = new InMemoryEventStore();
    const here = executorOn(store);
    const elsewhere = executorOn(store);

    await run(here, {
      type: 'CreateLead',
      now,
      data: { customerId, name: sealed('Ada'), source: 'web' },
    });
    expect((await run(here, logContact('k1'))).revision).toBe(1);
    expect((await run(here, churn)).revision).toBe(2);
    // Refused from the state this instance folded in from its own append.
    await expect(run(here, churn)).rejects.toMatchObject({ code: 'CUSTOMER_ALREADY_CHURNED' });

    // Another API instance hears from the client (an inbound contact reactivates them):
    // this instance must see that before deciding, so churning is allowed again.
    expect((await run(elsewhere, logContact('k2'))).revision).toBe(4);
    expect((await run(here, churn)).revision).toBe(5);
    expect(
      (await store.readStream(customerStreamId(customerId))).events.map((e) => e.type),
    ).toEqual([
      'LeadCreated',
      'ContactLogged',
      'CustomerChurned',
      'ContactLogged',
      'CustomerReactivated',
      'CustomerChurned',
    ]);
  });

  it('seals personal data only once the decision holds: a refused command creates no key', async () => {
    const store = new InMemoryEventStore();
    const keys = new InMemoryKeyStore();
    const executor = executorOn(store, keys);
    const logOnUnknownClient = executor.execute('LogContact', context(), async ({ load, seal }) => {
      const customer = await load(customerDecider, customerStreamId(customerId));
      const command: CustomerCommand = {
        type: 'LogContact',
        now,
        data: {
          customerId,
          contactId: 'k1',
          channel: 'call',
          direction: 'inbound',
          subject: seal('hi'),
        },
      };
      return {
        customerId,
        primary: {
          streamId: customer.streamId,
          revision: customer.revision,
          events: customerDecider.decide(command, customer.state),
        },
      };
    });
    await expect(logOnUnknownClient).rejects.toMatchObject({ code: 'CUSTOMER_NOT_FOUND' });
    expect(await keys.load(customerId)).toBeUndefined();
    expect(await store.headPosition()).toBe(0);
  });

  it('stores ciphertext, never the placeholder the decider saw', async () => {
    const store = new InMemoryEventStore();
    const keys = new InMemoryKeyStore();
    const executor = executorOn(store, keys);
    await executor.execute(
      'CreateLead',
      context(),
      async ({ load, seal }) => {
        const customer = await load(customerDecider, customerStreamId(customerId));
        const events = customerDecider.decide(
          { type: 'CreateLead', now, data: { customerId, name: seal('Ada'), source: 'web' } },
          customer.state,
        );
        return { customerId, primary: { ...customer, events } };
      },
      { createsKey: true },
    );
    const [lead] = (await store.readStream(customerStreamId(customerId))).events;
    const name = (lead!.data as { name: string }).name;
    expect(name).toMatch(/^enc:v1:/);
    expect(await keys.load(customerId)).toBeDefined();
  });
});

describe('command executor, batches (imports)', () => {
  const batchCommand = (command: CustomerCommand, commandId?: string): BatchCommand => {
    const base = context();
    return {
      name: command.type,
      context: commandId
        ? { ...base, commandId, idempotent: true, fingerprint: JSON.stringify(command) }
        : base,
      createsKey: command.type === 'CreateLead',
      decide: async ({ load, seal }) => {
        const customer = await load(customerDecider, customerStreamId(customerId));
        const sealedCommand =
          command.type === 'CreateLead'
            ? { ...command, data: { ...command.data, name: seal('Ada') } }
            : command;
        return {
          customerId,
          primary: {
            streamId: customer.streamId,
            revision: customer.revision,
            events: customerDecider.decide(sealedCommand, customer.state),
          },
        };
      },
    };
  };
  const createLead: CustomerCommand = {
    type: 'CreateLead',
    now,
    data: { customerId, name: sealed('placeholder'), source: 'import' },
  };

  it('decides each command on what the earlier ones of the batch decided, and appends them all in order', async () => {
    const store = new InMemoryEventStore();
    const executor = executorOn(store);
    const outcomes = await executor.executeBatch([
      batchCommand(createLead),
      batchCommand(logContact('k1')),
      batchCommand(churn),
      batchCommand(churn),
    ]);
    expect(outcomes.map((o) => ('result' in o ? o.result.revision : 'refused'))).toEqual([
      0,
      1,
      2,
      'refused',
    ]);
    expect(outcomes[3]).toMatchObject({ error: { code: 'CUSTOMER_ALREADY_CHURNED' } });
    const events = (await store.readStream(customerStreamId(customerId))).events;
    expect(events.map((e) => e.type)).toEqual(['LeadCreated', 'ContactLogged', 'CustomerChurned']);
    expect(String((events[0]!.data as { name: string }).name)).toMatch(/^enc:v1:/);
  });

  it('answers a command already recorded, or repeated in the batch, as a duplicate and appends it once', async () => {
    const store = new InMemoryEventStore();
    const executor = executorOn(store);
    await executor.executeBatch([batchCommand(createLead, 'lead')]);
    const outcomes = await executor.executeBatch([
      batchCommand(createLead, 'lead'),
      batchCommand(logContact('k1'), 'call'),
      batchCommand(logContact('k1'), 'call'),
    ]);
    expect(outcomes.map((o) => 'result' in o && o.result.duplicate)).toEqual([true, false, true]);
    expect((await store.readStream(customerStreamId(customerId))).revision).toBe(1);
  });

  it('decides again what another writer overtook between the decision and the append', async () => {
    const store = new InMemoryEventStore();
    const executor = executorOn(store);
    await executor.executeBatch([batchCommand(createLead)]);
    // Another instance appends to the client: this executor's cached state is now stale.
    await run(executorOn(store), logContact('elsewhere'));
    const outcomes = await executor.executeBatch([
      batchCommand(logContact('k1')),
      batchCommand(churn),
    ]);
    expect(outcomes.map((o) => 'result' in o && o.result.revision)).toEqual([2, 3]);
    expect(
      (await store.readStream(customerStreamId(customerId))).events.map((e) => e.type),
    ).toEqual(['LeadCreated', 'ContactLogged', 'ContactLogged', 'CustomerChurned']);
  });
});
