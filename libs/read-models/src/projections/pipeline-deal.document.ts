import type { DealStage } from '@rapport/domain';

/** One document per deal: the pipeline figures are sums over these (see pipeline.analytics). */
export interface PipelineDealDocument {
  id: string;
  position: number;
  dealId: string;
  customerId: string;
  ownerId: string | null;
  title: string;
  status: 'open' | 'won' | 'lost';
  /** The stage it is in, or was in when it closed. */
  stage: DealStage;
  amountMinor: number;
  currency: string;
  openedAt: string;
  closedAt: string | null;
  lostReason: string | null;
}
