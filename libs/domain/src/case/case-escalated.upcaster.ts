import type { Upcaster } from '../upcasting/upcaster';
import type { CaseEscalated } from './case.events';
import type { SlaTargetKind } from './sla';

/** CaseEscalated as stored before a request escalated at opening: always for a missed target. */
export interface CaseEscalatedV1Data {
  caseId: string;
  customerId: string;
  reason: string;
  target: SlaTargetKind;
  cycle: number;
  escalatedAt: string;
}

/** v1 → v2: every v1 escalation was recorded with a breach, so its cause is `sla-breach`. */
export const caseEscalatedV1ToV2: Upcaster = {
  type: 'CaseEscalated',
  fromVersion: 1,
  upcast(data: unknown): CaseEscalated['data'] {
    const v1 = data as CaseEscalatedV1Data;
    return {
      caseId: v1.caseId,
      customerId: v1.customerId,
      reason: v1.reason,
      cause: 'sla-breach',
      target: v1.target,
      cycle: v1.cycle,
      escalatedAt: v1.escalatedAt,
    };
  },
};
