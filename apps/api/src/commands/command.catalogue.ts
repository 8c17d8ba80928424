import type { IngestCommandType } from '@rapport/contracts';
import type { AnyCommandDefinition } from './command-definition';
import { assignOwner } from './definitions/assign-owner.command';
import { cancelActivity } from './definitions/cancel-activity.command';
import { completeActivity } from './definitions/complete-activity.command';
import { changeDealStage } from './definitions/change-deal-stage.command';
import { churnCustomer } from './definitions/churn-customer.command';
import { correctProfile } from './definitions/correct-profile.command';
import { createLead } from './definitions/create-lead.command';
import { eraseCustomer } from './definitions/erase-customer.command';
import { logContact } from './definitions/log-contact.command';
import { loseDeal } from './definitions/lose-deal.command';
import { openDeal } from './definitions/open-deal.command';
import { raiseComplaint } from './definitions/raise-complaint.command';
import { reassignActivity } from './definitions/reassign-activity.command';
import { rescheduleActivity } from './definitions/reschedule-activity.command';
import { resolveComplaint } from './definitions/resolve-complaint.command';
import { scheduleActivity } from './definitions/schedule-activity.command';
import { setConsent } from './definitions/set-consent.command';
import { winDeal } from './definitions/win-deal.command';
import { addCampaignMembers } from './definitions/add-campaign-members.command';
import { closeCampaign } from './definitions/close-campaign.command';
import { launchCampaign } from './definitions/launch-campaign.command';
import { planCampaign } from './definitions/plan-campaign.command';
import { recordCampaignCost } from './definitions/record-campaign-cost.command';
import { recordCampaignResponse } from './definitions/record-campaign-response.command';

/**
 * Every command, by its name. A typed record: a name in the ingest contract without a
 * definition, or a definition filed under another name, does not compile.
 */
export const COMMANDS: {
  readonly [Name in IngestCommandType]: AnyCommandDefinition & { name: Name };
} = {
  CreateLead: createLead,
  LogContact: logContact,
  ChurnCustomer: churnCustomer,
  SetConsent: setConsent,
  AssignOwner: assignOwner,
  CorrectProfile: correctProfile,
  EraseCustomer: eraseCustomer,
  OpenDeal: openDeal,
  ChangeDealStage: changeDealStage,
  WinDeal: winDeal,
  LoseDeal: loseDeal,
  RaiseComplaint: raiseComplaint,
  ResolveComplaint: resolveComplaint,
  ScheduleActivity: scheduleActivity,
  RescheduleActivity: rescheduleActivity,
  ReassignActivity: reassignActivity,
  CompleteActivity: completeActivity,
  CancelActivity: cancelActivity,
  PlanCampaign: planCampaign,
  LaunchCampaign: launchCampaign,
  CloseCampaign: closeCampaign,
  RecordCampaignCost: recordCampaignCost,
  AddCampaignMembers: addCampaignMembers,
  RecordCampaignResponse: recordCampaignResponse,
};

export const COMMAND_LIST: readonly AnyCommandDefinition[] = Object.values(COMMANDS);
