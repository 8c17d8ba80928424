import type { DealStage } from './deal.events';

interface Timed {
  now: string;
}

export type OpenDeal = Timed & {
  type: 'OpenDeal';
  data: {
    dealId: string;
    customerId: string;
    title: string;
    amount: number;
    currency: string;
    stage?: DealStage;
    ownerId?: string;
    /** The campaign the deal came from (attribution); must exist. */
    campaignId?: string;
  };
};

export type ChangeDealStage = Timed & {
  type: 'ChangeDealStage';
  data: { dealId: string; stage: DealStage };
};

/** The final amount may differ from the one quoted when the deal was opened. */
export type WinDeal = Timed & { type: 'WinDeal'; data: { dealId: string; amount?: number } };

export type LoseDeal = Timed & { type: 'LoseDeal'; data: { dealId: string; reason: string } };

export type DealCommand = OpenDeal | ChangeDealStage | WinDeal | LoseDeal;
