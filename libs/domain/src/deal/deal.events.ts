export const OPEN_DEAL_STAGES = ['qualification', 'proposal', 'negotiation'] as const;
export type DealStage = (typeof OPEN_DEAL_STAGES)[number];

export type DealOpened = {
  type: 'DealOpened';
  schemaVersion: 1;
  data: {
    dealId: string;
    customerId: string;
    title: string;
    amount: number;
    currency: string;
    stage: DealStage;
    ownerId?: string;
    /** The campaign the deal came from (last-touch attribution); absent in older events. */
    campaignId?: string;
    openedAt: string;
  };
};

export type DealStageChanged = {
  type: 'DealStageChanged';
  schemaVersion: 1;
  data: { dealId: string; customerId: string; from: DealStage; to: DealStage; changedAt: string };
};

export type DealWon = {
  type: 'DealWon';
  schemaVersion: 1;
  data: {
    dealId: string;
    customerId: string;
    amount: number;
    currency: string;
    openedAt: string;
    wonAt: string;
  };
};

export type DealLost = {
  type: 'DealLost';
  schemaVersion: 1;
  data: {
    dealId: string;
    customerId: string;
    reason: string;
    stage: DealStage;
    openedAt: string;
    lostAt: string;
  };
};

export type DealEvent = DealOpened | DealStageChanged | DealWon | DealLost;

export const dealStreamId = (dealId: string) => `deal-${dealId}`;
