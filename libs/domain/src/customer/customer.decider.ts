import { assertNever, type Decider } from '../shared/decider';
import { conflict, invalid, notFound } from '../shared/domain-error';
import { assertDuration, assertNotInFuture, requireText } from '../shared/rules';
import type { CustomerCommand } from './customer.commands';
import type { CustomerEvent } from './customer.events';

export type LivingStatus = 'lead' | 'customer' | 'churned';

export type CustomerState =
  | { status: 'none' }
  | {
      status: LivingStatus;
      customerId: string;
      ownerId?: string;
      /** Where a churned client returns to when reactivated. */
      statusBeforeChurn?: 'lead' | 'customer';
      consents: Readonly<Record<string, boolean>>;
    }
  | { status: 'erased'; customerId: string };

type LivingCustomer = Extract<CustomerState, { status: LivingStatus }>;

function requireLiving(state: CustomerState, customerId: string): LivingCustomer {
  if (state.status === 'none') {
    throw notFound('CUSTOMER_NOT_FOUND', `customer ${customerId} does not exist`, { customerId });
  }
  if (state.status === 'erased') {
    throw conflict('CUSTOMER_ERASED', `customer ${customerId} was erased`, { customerId });
  }
  return state;
}

export function decideCustomer(command: CustomerCommand, state: CustomerState): CustomerEvent[] {
  const { now } = command;
  switch (command.type) {
    case 'CreateLead': {
      const { data } = command;
      if (state.status !== 'none') {
        throw conflict('CUSTOMER_ALREADY_EXISTS', `customer ${data.customerId} already exists`, {
          customerId: data.customerId,
        });
      }
      requireText('source', data.source);
      return [
        {
          type: 'LeadCreated',
          schemaVersion: 1,
          data: {
            customerId: data.customerId,
            name: data.name,
            ...(data.email !== undefined && { email: data.email }),
            ...(data.phone !== undefined && { phone: data.phone }),
            ...(data.company !== undefined && { company: data.company }),
            source: data.source,
            ...(data.ownerId !== undefined && { ownerId: data.ownerId }),
            ...(data.campaignId !== undefined && { campaignId: data.campaignId }),
            createdAt: now,
          },
        },
      ];
    }
    case 'LogContact': {
      const { data } = command;
      const customer = requireLiving(state, data.customerId);
      const occurredAt = data.occurredAt ?? now;
      assertNotInFuture('occurredAt', occurredAt, now);
      assertDuration(data.durationMinutes);
      const events: CustomerEvent[] = [
        {
          type: 'ContactLogged',
          schemaVersion: 3,
          data: {
            customerId: data.customerId,
            contactId: data.contactId,
            channel: data.channel,
            direction: data.direction,
            subject: data.subject,
            ...(data.notes !== undefined && { notes: data.notes }),
            ...(data.outcome !== undefined && { outcome: data.outcome }),
            ...(data.durationMinutes !== undefined && { durationMinutes: data.durationMinutes }),
            ...(data.activityId !== undefined && { activityId: data.activityId }),
            occurredAt,
            loggedAt: now,
          },
        },
      ];
      // A client who reaches out again is back; our own win-back calls do not count.
      if (customer.status === 'churned' && data.direction === 'inbound') {
        events.push(reactivated(customer, 'inbound-contact', now));
      }
      return events;
    }
    case 'ChurnCustomer': {
      const { data } = command;
      const customer = requireLiving(state, data.customerId);
      if (customer.status === 'churned') {
        throw conflict(
          'CUSTOMER_ALREADY_CHURNED',
          `customer ${data.customerId} has already churned`,
        );
      }
      requireText('reason', data.reason);
      return [
        {
          type: 'CustomerChurned',
          schemaVersion: 1,
          data: {
            customerId: data.customerId,
            reason: data.reason,
            previousStatus: customer.status,
            churnedAt: now,
          },
        },
      ];
    }
    case 'SetConsent': {
      const { data } = command;
      requireLiving(state, data.customerId);
      requireText('purpose', data.purpose);
      // Repeating a consent decision is recorded too: the latest statement and its time
      // are what a privacy officer must be able to show.
      return [
        {
          type: data.granted ? 'ConsentGranted' : 'ConsentRevoked',
          schemaVersion: 1,
          data: { customerId: data.customerId, purpose: data.purpose, at: now },
        },
      ];
    }
    case 'AssignOwner': {
      const { data } = command;
      const customer = requireLiving(state, data.customerId);
      requireText('ownerId', data.ownerId);
      if (customer.ownerId === data.ownerId) {
        throw conflict(
          'OWNER_UNCHANGED',
          `${data.ownerId} already owns customer ${data.customerId}`,
        );
      }
      return [
        {
          type: 'OwnerAssigned',
          schemaVersion: 1,
          data: {
            customerId: data.customerId,
            ownerId: data.ownerId,
            ...(customer.ownerId !== undefined && { previousOwnerId: customer.ownerId }),
            at: now,
          },
        },
      ];
    }
    case 'CorrectProfile': {
      const { data } = command;
      requireLiving(state, data.customerId);
      const correctedFields = Object.keys(data.changes).filter(
        (field) => data.changes[field as keyof typeof data.changes] !== undefined,
      );
      if (correctedFields.length === 0) {
        throw invalid('NO_CHANGES', 'a correction must change at least one field');
      }
      return [
        {
          type: 'CustomerProfileCorrected',
          schemaVersion: 1,
          data: { customerId: data.customerId, changes: data.changes, correctedFields, at: now },
        },
      ];
    }
    case 'EraseCustomer': {
      const { data } = command;
      if (state.status === 'none') {
        throw notFound('CUSTOMER_NOT_FOUND', `customer ${data.customerId} does not exist`);
      }
      if (state.status === 'erased') {
        throw conflict('CUSTOMER_ALREADY_ERASED', `customer ${data.customerId} was already erased`);
      }
      requireText('reason', data.reason);
      return [
        {
          type: 'CustomerErased',
          schemaVersion: 1,
          data: { customerId: data.customerId, reason: data.reason, erasedAt: now },
        },
      ];
    }
    case 'RegisterDealActivity': {
      const { data } = command;
      const customer = requireLiving(state, data.customerId);
      const events: CustomerEvent[] = [];
      let status: LivingStatus = customer.status;
      if (status === 'churned' && (data.activity === 'opened' || data.activity === 'won')) {
        const back = reactivated(
          customer,
          data.activity === 'opened' ? 'deal-opened' : 'deal-won',
          now,
        );
        events.push(back);
        status = back.data.status;
      }
      if (status === 'lead' && data.activity === 'won') {
        events.push({
          type: 'CustomerConverted',
          schemaVersion: 1,
          data: { customerId: data.customerId, dealId: data.dealId, convertedAt: now },
        });
      }
      return events;
    }
    case 'RegisterComplaintActivity':
    case 'RegisterActivity':
    case 'RegisterCampaignResponse': {
      requireLiving(state, command.data.customerId);
      return [];
    }
    default:
      return assertNever(command, 'customer command');
  }
}

function reactivated(
  customer: LivingCustomer,
  trigger: 'inbound-contact' | 'deal-opened' | 'deal-won',
  now: string,
): Extract<CustomerEvent, { type: 'CustomerReactivated' }> {
  return {
    type: 'CustomerReactivated',
    schemaVersion: 1,
    data: {
      customerId: customer.customerId,
      status: customer.statusBeforeChurn ?? 'lead',
      trigger,
      reactivatedAt: now,
    },
  };
}

export function evolveCustomer(state: CustomerState, event: CustomerEvent): CustomerState {
  switch (event.type) {
    case 'LeadCreated':
      return {
        status: 'lead',
        customerId: event.data.customerId,
        ...(event.data.ownerId !== undefined && { ownerId: event.data.ownerId }),
        consents: {},
      };
    case 'CustomerConverted':
      return state.status === 'none' || state.status === 'erased'
        ? state
        : { ...state, status: 'customer' };
    case 'CustomerChurned':
      return state.status === 'none' || state.status === 'erased'
        ? state
        : { ...state, status: 'churned', statusBeforeChurn: event.data.previousStatus };
    case 'CustomerReactivated':
      return state.status === 'none' || state.status === 'erased'
        ? state
        : { ...state, status: event.data.status };
    case 'ConsentGranted':
    case 'ConsentRevoked':
      return state.status === 'none' || state.status === 'erased'
        ? state
        : {
            ...state,
            consents: { ...state.consents, [event.data.purpose]: event.type === 'ConsentGranted' },
          };
    case 'OwnerAssigned':
      return state.status === 'none' || state.status === 'erased'
        ? state
        : { ...state, ownerId: event.data.ownerId };
    case 'CustomerErased':
      return { status: 'erased', customerId: event.data.customerId };
    case 'ContactLogged':
    case 'CustomerProfileCorrected':
      return state;
    default:
      return assertNever(event, 'customer event');
  }
}

export const customerDecider: Decider<CustomerCommand, CustomerEvent, CustomerState> = {
  initialState: () => ({ status: 'none' }),
  decide: decideCustomer,
  evolve: evolveCustomer,
};
