import type { Decider } from '../shared/decider';
import type { CaseEvent } from '../case/case.events';
import { caseDecider, type CaseState } from '../case/case.decider';
import type { ComplaintCommand } from './complaint.commands';

export { requireComplaint } from '../case/case.decider';

/**
 * A complaint is a service case of kind `complaint` (see case.decider.ts): its stream is
 * decided and folded by the case decider, which reads the complaint events as stored since
 * the first release.
 */
export type ComplaintState = CaseState;

export const complaintDecider: Decider<ComplaintCommand, CaseEvent, ComplaintState> = caseDecider;
