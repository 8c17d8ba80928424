import { deciderSpecification } from '@rapport/testing';
import { dealDecider } from './deal.decider';
import type { DealEvent } from './deal.events';

const spec = deciderSpecification(dealDecider);
const dealId = 'd-1';
const customerId = 'c-1';
const openedAt = '2026-02-01T08:00:00.000Z';
const now = '2026-03-01T08:00:00.000Z';

const opened: DealEvent = {
  type: 'DealOpened',
  schemaVersion: 1,
  data: {
    dealId,
    customerId,
    title: 'Fleet renewal',
    amount: 1200.5,
    currency: 'EUR',
    stage: 'qualification',
    openedAt,
  },
};
const won: DealEvent = {
  type: 'DealWon',
  schemaVersion: 1,
  data: { dealId, customerId, amount: 1200.5, currency: 'EUR', openedAt, wonAt: now },
};
const lost: DealEvent = {
  type: 'DealLost',
  schemaVersion: 1,
  data: { dealId, customerId, reason: 'price', stage: 'qualification', openedAt, lostAt: now },
};

const open = (amount: number, currency: string) =>
  ({
    type: 'OpenDeal',
    now: openedAt,
    data: { dealId, customerId, title: 'Fleet renewal', amount, currency },
  }) as const;

describe('deal decider', () => {
  describe('opening', () => {
    it('opens in qualification unless a stage is given', () => {
      spec.given([]).when(open(1200.5, 'EUR')).then([opened]);
    });

    it.each([
      [0, 'EUR', 'INVALID_AMOUNT'],
      [-5, 'EUR', 'INVALID_AMOUNT'],
      [Number.NaN, 'EUR', 'INVALID_AMOUNT'],
      [Number.POSITIVE_INFINITY, 'EUR', 'INVALID_AMOUNT'],
      [10, 'EURO', 'INVALID_CURRENCY'],
      [10, 'eur', 'INVALID_CURRENCY'],
      [10.5, 'JPY', 'INVALID_AMOUNT_PRECISION'],
      [10.001, 'EUR', 'INVALID_AMOUNT_PRECISION'],
      // Positive, but less than a cent: it would be recorded as 0.
      [5e-324, 'EUR', 'INVALID_AMOUNT'],
      [1e-9, 'EUR', 'INVALID_AMOUNT'],
    ])('refuses amount %p %s (%s)', (amount, currency, code) => {
      spec.given([]).when(open(amount, currency)).thenFails(code, 'invalid');
    });

    it('accepts three decimals where the currency has them', () => {
      const events = dealDecider.decide(open(10.125, 'KWD'), dealDecider.initialState());
      expect(events[0]).toMatchObject({ data: { amount: 10.125, currency: 'KWD' } });
    });

    it('refuses to open the same deal twice', () => {
      spec.given([opened]).when(open(5, 'EUR')).thenFails('DEAL_ALREADY_EXISTS', 'conflict');
    });
  });

  describe('stages', () => {
    it('moves an open deal between stages', () => {
      spec
        .given([opened])
        .when({ type: 'ChangeDealStage', now, data: { dealId, stage: 'proposal' } })
        .then([
          {
            type: 'DealStageChanged',
            schemaVersion: 1,
            data: { dealId, customerId, from: 'qualification', to: 'proposal', changedAt: now },
          },
        ]);
    });

    it('refuses a move to the stage the deal is in', () => {
      spec
        .given([opened])
        .when({ type: 'ChangeDealStage', now, data: { dealId, stage: 'qualification' } })
        .thenFails('DEAL_STAGE_UNCHANGED', 'conflict');
    });

    it.each([[won], [lost]])('refuses stage changes once the deal is closed (%#)', (closing) => {
      spec
        .given([opened, closing])
        .when({ type: 'ChangeDealStage', now, data: { dealId, stage: 'proposal' } })
        .thenFails('DEAL_CLOSED', 'conflict');
    });

    it('reports an unknown deal', () => {
      spec
        .given([])
        .when({ type: 'ChangeDealStage', now, data: { dealId, stage: 'proposal' } })
        .thenFails('DEAL_NOT_FOUND', 'not-found');
    });
  });

  describe('outcomes', () => {
    it('wins at the quoted amount by default', () => {
      spec.given([opened]).when({ type: 'WinDeal', now, data: { dealId } }).then([won]);
    });

    it('wins at a negotiated amount', () => {
      spec
        .given([opened])
        .when({ type: 'WinDeal', now, data: { dealId, amount: 999 } })
        .then([{ ...won, data: { ...won.data, amount: 999 } } as DealEvent]);
    });

    it('refuses a negotiated amount that is not positive', () => {
      spec
        .given([opened])
        .when({ type: 'WinDeal', now, data: { dealId, amount: 0 } })
        .thenFails('INVALID_AMOUNT', 'invalid');
    });

    it('records the stage a deal was lost in', () => {
      spec
        .given([opened])
        .when({ type: 'LoseDeal', now, data: { dealId, reason: 'price' } })
        .then([lost]);
    });

    it.each([
      ['win a won deal', [opened, won], { type: 'WinDeal', now, data: { dealId } }],
      ['win a lost deal', [opened, lost], { type: 'WinDeal', now, data: { dealId } }],
      ['lose a won deal', [opened, won], { type: 'LoseDeal', now, data: { dealId, reason: 'x' } }],
      [
        'lose a lost deal',
        [opened, lost],
        { type: 'LoseDeal', now, data: { dealId, reason: 'x' } },
      ],
    ] as const)('cannot %s: a closed deal has one outcome', (_, history, command) => {
      spec
        .given([...history])
        .when(command)
        .thenFails('DEAL_CLOSED', 'conflict');
    });

    it('cannot close an unknown deal', () => {
      spec.given([]).when({ type: 'WinDeal', now, data: { dealId } }).thenFails('DEAL_NOT_FOUND');
    });
  });
});
