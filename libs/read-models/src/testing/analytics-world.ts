import type { CrmEvent } from '@rapport/domain';
import { EventLogBuilder, projectionSpecification, sealed } from '@rapport/testing';
import {
  customer360Projection,
  type Customer360Document,
} from '../projections/customer-360.projection';
import {
  salesPipelineProjection,
  type PipelineDealDocument,
} from '../projections/sales-pipeline.projection';

/** A small world written as events, projected through the real projections. */
export class World {
  readonly log = new EventLogBuilder();
  private deals = 0;

  lead(customerId: string, createdAt: string, ownerId?: string): this {
    this.add({
      type: 'LeadCreated',
      schemaVersion: 1,
      data: {
        customerId,
        name: sealed(customerId),
        source: 'spec',
        createdAt,
        ...(ownerId && { ownerId }),
      },
    });
    return this;
  }

  contact(customerId: string, occurredAt: string): this {
    this.add({
      type: 'ContactLogged',
      schemaVersion: 3,
      data: {
        customerId,
        contactId: `${customerId}-${occurredAt}`,
        channel: 'call',
        direction: 'outbound',
        subject: sealed('s'),
        occurredAt,
        loggedAt: occurredAt,
      },
    });
    return this;
  }

  /** Opens and wins a deal; converts the client on their first win. */
  win(
    customerId: string,
    amount: number,
    wonAt: string,
    currency = 'EUR',
    openedAt = wonAt,
    ownerId?: string,
  ): this {
    const dealId = `d${++this.deals}`;
    this.add({
      type: 'DealOpened',
      schemaVersion: 1,
      data: {
        dealId,
        customerId,
        title: dealId,
        amount,
        currency,
        stage: 'qualification',
        openedAt,
        ...(ownerId && { ownerId }),
      },
    });
    this.add({
      type: 'DealWon',
      schemaVersion: 1,
      data: { dealId, customerId, amount, currency, openedAt, wonAt },
    });
    if (!this.converted.has(customerId)) {
      this.converted.add(customerId);
      this.add({
        type: 'CustomerConverted',
        schemaVersion: 1,
        data: { customerId, dealId, convertedAt: wonAt },
      });
    }
    return this;
  }

  open(
    customerId: string,
    amount: number,
    stage: 'qualification' | 'proposal' | 'negotiation',
    openedAt: string,
    currency = 'EUR',
    ownerId?: string,
  ): this {
    const dealId = `d${++this.deals}`;
    this.add({
      type: 'DealOpened',
      schemaVersion: 1,
      data: {
        dealId,
        customerId,
        title: dealId,
        amount,
        currency,
        stage,
        openedAt,
        ...(ownerId && { ownerId }),
      },
    });
    return this;
  }

  lose(
    customerId: string,
    amount: number,
    openedAt: string,
    lostAt: string,
    ownerId?: string,
  ): this {
    const dealId = `d${++this.deals}`;
    this.add({
      type: 'DealOpened',
      schemaVersion: 1,
      data: {
        dealId,
        customerId,
        title: dealId,
        amount,
        currency: 'EUR',
        stage: 'proposal',
        openedAt,
        ...(ownerId && { ownerId }),
      },
    });
    this.add({
      type: 'DealLost',
      schemaVersion: 1,
      data: { dealId, customerId, reason: 'price', stage: 'proposal', openedAt, lostAt },
    });
    return this;
  }

  churn(
    customerId: string,
    churnedAt: string,
    previousStatus: 'lead' | 'customer' = 'customer',
  ): this {
    this.add({
      type: 'CustomerChurned',
      schemaVersion: 1,
      data: { customerId, reason: 'spec', previousStatus, churnedAt },
    });
    return this;
  }

  reactivate(customerId: string, at: string): this {
    this.add({
      type: 'CustomerReactivated',
      schemaVersion: 1,
      data: { customerId, status: 'customer', trigger: 'inbound-contact', reactivatedAt: at },
    });
    return this;
  }

  complaint(
    customerId: string,
    complaintId: string,
    severity: 'low' | 'critical',
    raisedAt: string,
  ): this {
    this.add({
      type: 'ComplaintRaised',
      schemaVersion: 1,
      data: {
        complaintId,
        customerId,
        category: 'x',
        severity,
        description: sealed('d'),
        raisedAt,
      },
    });
    return this;
  }

  consent(customerId: string, purpose: string, granted: boolean): this {
    this.add({
      type: granted ? 'ConsentGranted' : 'ConsentRevoked',
      schemaVersion: 1,
      data: { customerId, purpose, at: '2026-01-01T00:00:00.000Z' },
    });
    return this;
  }

  /** Plans an activity (a follow-up call) for the client, due at `dueAt`. */
  schedule(customerId: string, activityId: string, dueAt: string, ownerId?: string): this {
    this.add({
      type: 'ActivityScheduled',
      schemaVersion: 1,
      data: {
        activityId,
        customerId,
        kind: 'call',
        subject: sealed('follow up'),
        dueAt,
        scheduledAt: '2026-01-01T00:00:00.000Z',
        ...(ownerId && { ownerId }),
      },
    });
    return this;
  }

  completeActivity(customerId: string, activityId: string, dueAt: string, at: string): this {
    this.add({
      type: 'ActivityCompleted',
      schemaVersion: 1,
      data: {
        activityId,
        customerId,
        kind: 'call',
        outcome: 'reached',
        dueAt,
        occurredAt: at,
        completedAt: at,
      },
    });
    return this;
  }

  erase(customerId: string, erasedAt: string): this {
    this.add({
      type: 'CustomerErased',
      schemaVersion: 1,
      data: { customerId, reason: 'request', erasedAt },
    });
    return this;
  }

  customers(): Promise<Customer360Document[]> {
    return projectionSpecification(customer360Projection)
      .given(this.log.events)
      .documents<Customer360Document>();
  }

  pipelineDeals(): Promise<PipelineDealDocument[]> {
    return projectionSpecification(salesPipelineProjection)
      .given(this.log.events)
      .documents<PipelineDealDocument>();
  }

  private readonly converted = new Set<string>();

  private add(event: CrmEvent): void {
    this.log.append(event);
  }
}
