import { EventLogBuilder, projectionSpecification } from '@rapport/testing';
import { salesPipelineProjection, type PipelineDealDocument } from './sales-pipeline.projection';

const spec = projectionSpecification(salesPipelineProjection);

function deals() {
  const log = new EventLogBuilder();
  log.append({
    type: 'DealOpened',
    schemaVersion: 1,
    data: {
      dealId: 'd1',
      customerId: 'c1',
      title: 'A',
      amount: 100.5,
      currency: 'EUR',
      stage: 'qualification',
      ownerId: 'rep-1',
      openedAt: '2026-01-01T00:00:00.000Z',
    },
  });
  log.append({
    type: 'DealStageChanged',
    schemaVersion: 1,
    data: {
      dealId: 'd1',
      customerId: 'c1',
      from: 'qualification',
      to: 'negotiation',
      changedAt: '2026-01-05T00:00:00.000Z',
    },
  });
  log.append({
    type: 'DealOpened',
    schemaVersion: 1,
    data: {
      dealId: 'd2',
      customerId: 'c2',
      title: 'B',
      amount: 50,
      currency: 'USD',
      stage: 'proposal',
      openedAt: '2026-01-02T00:00:00.000Z',
    },
  });
  log.append({
    type: 'DealWon',
    schemaVersion: 1,
    data: {
      dealId: 'd1',
      customerId: 'c1',
      amount: 90,
      currency: 'EUR',
      openedAt: '2026-01-01T00:00:00.000Z',
      wonAt: '2026-01-11T00:00:00.000Z',
    },
  });
  log.append({
    type: 'DealLost',
    schemaVersion: 1,
    data: {
      dealId: 'd2',
      customerId: 'c2',
      reason: 'timing',
      stage: 'proposal',
      openedAt: '2026-01-02T00:00:00.000Z',
      lostAt: '2026-01-20T00:00:00.000Z',
    },
  });
  return log.events;
}

const d1: PipelineDealDocument = {
  id: 'd1',
  position: 4,
  dealId: 'd1',
  customerId: 'c1',
  ownerId: 'rep-1',
  title: 'A',
  status: 'won',
  stage: 'negotiation',
  amountMinor: 9000,
  currency: 'EUR',
  openedAt: '2026-01-01T00:00:00.000Z',
  closedAt: '2026-01-11T00:00:00.000Z',
  lostReason: null,
};
const d2: PipelineDealDocument = {
  id: 'd2',
  position: 5,
  dealId: 'd2',
  customerId: 'c2',
  ownerId: null,
  title: 'B',
  status: 'lost',
  stage: 'proposal',
  amountMinor: 5000,
  currency: 'USD',
  openedAt: '2026-01-02T00:00:00.000Z',
  closedAt: '2026-01-20T00:00:00.000Z',
  lostReason: 'timing',
};

describe('sales-pipeline projection', () => {
  it('keeps one document per deal with its stage, outcome and final amount', async () => {
    await spec.given(deals()).then('d1', d1);
    await spec.given(deals()).then('d2', d2);
  });

  it('is unchanged by duplicates and replays', async () => {
    const events = deals();
    expect(
      await spec.given(events).whenDelivered(events).whenReplayed(1, events.slice(1)).documents(),
    ).toEqual([d1, d2]);
  });

  it('shows an open deal in its current stage', async () => {
    await spec.given(deals().slice(0, 2)).then('d1', {
      ...d1,
      position: 2,
      status: 'open',
      amountMinor: 10050,
      closedAt: null,
    });
  });
});
