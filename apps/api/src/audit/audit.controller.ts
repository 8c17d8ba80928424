import { Controller, Get, Param, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, IsUUID, Matches, Max, Min } from 'class-validator';
import { notFound } from '@rapport/domain';
import type { HttpRequestLike } from '@rapport/platform';
import {
  churnRisk,
  NO_CLIENT,
  type AuditEntryDocument,
  type FieldChange,
} from '@rapport/read-models';
import { CustomerId } from '../commands/record-id.pipe';
import { Allow } from '../http/access.decorators';
import { customer360View, customerSummaryView } from '../read-side/customer.views';
import { PersonalDataPresenter } from '../read-side/personal-data.presenter';
import { ReadYourWritesQuery } from '../read-side/query.dto';
import { ReadYourWrites } from '../read-side/read-your-writes';
import { AuditRecorder } from './audit-recorder';
import { CustomerHistoryService } from './customer-history.service';
import { FieldHistoryService } from './field-history.service';
import { AuditedRead, NoClientData, RecordsViews } from '../http/read-audit.decorators';

export class TrailQuery extends ReadYourWritesQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^([0-9a-f-]{36}|-):\d{15}$/, {
    message: 'cursor must be the nextCursor of a previous page',
  })
  cursor?: string;
}

export class StateAtQuery extends ReadYourWritesQuery {
  @ApiPropertyOptional({
    example: '2026-03-01T12:00:00Z',
    description: 'the moment to reconstruct',
  })
  @IsISO8601({ strict: true, strictSeparator: true })
  at!: string;
}

export class ViewIdParam {
  @IsUUID()
  id!: string;
}

/**
 * How a recorded view is shown again: the 360 document, the list summary, the churn ranking's
 * line, re-projected to the view's position; other views (of the audit trail, of denials, of
 * parked events) by the ids of the clients they named.
 */
const REPLAYS: Record<string, '360' | 'summary' | 'churn-risk' | 'ids'> = {
  'customer-360': '360',
  export: '360',
  'audit-state': '360',
  'customer-list': 'summary',
  'churn-risk': 'churn-risk',
};

function trailEntry(entry: AuditEntryDocument, changes?: FieldChange[]) {
  return {
    kind: entry.kind,
    type: entry.type,
    actor: entry.actor.id,
    roles: entry.actor.roles,
    at: entry.at,
    occurredAt: entry.occurredAt ?? entry.at,
    position: entry.position,
    correlationId: entry.correlationId,
    eventId: entry.eventId,
    source: entry.source,
    ...(entry.purpose !== undefined && { purpose: entry.purpose }),
    ...(entry.view !== undefined && {
      view: entry.view,
      fieldsShown: entry.fieldsShown,
      fieldsMasked: entry.fieldsMasked,
    }),
    ...(entry.permission !== undefined && { permission: entry.permission, request: entry.request }),
    ...(entry.kind === 'change' && { changes: changes ?? [] }),
  };
}

@ApiTags('audit')
@Controller('audit')
export class AuditController {
  constructor(
    private readonly history: CustomerHistoryService,
    private readonly fieldHistory: FieldHistoryService,
    private readonly presenter: PersonalDataPresenter,
    private readonly audit: AuditRecorder,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  @Get('customers/:id')
  @Allow('audit:read')
  @RecordsViews()
  @ApiOperation({
    summary: "Who changed, saw or was refused this client's data, and when (chronological)",
  })
  async trail(
    @Param('id', CustomerId) customerId: string,
    @Query() query: TrailQuery,
    @Req() request: HttpRequestLike,
  ) {
    const { page, nextCursor } = await this.page(query, (range) =>
      this.history.entries(customerId, range),
    );
    const principal = request.rapport!.principal!;
    const fields = page.some((entry) => entry.kind === 'change')
      ? await this.fieldHistory.forRoles(principal.actor.roles, customerId)
      : undefined;
    const shown = page.map((entry) => trailEntry(entry, fields?.changesOf(entry.eventId)));
    // Field changes carry the client's personal values: reading them is a view like any other.
    await this.audit.recordView({
      request,
      principal,
      customerIds: page.length > 0 ? [customerId] : [],
      view: 'audit-trail',
      fieldsShown: fields?.fieldsShown ?? [],
      fieldsMasked: fields?.fieldsMasked ?? [],
      position: page[page.length - 1]?.position ?? 0,
    });
    return {
      customerId,
      entries: shown,
      nextCursor,
    };
  }

  @Get('denials')
  @Allow('audit:read')
  @AuditedRead('audit-denials', (page: { entries: { customerId: string | null }[] }) =>
    page.entries.map((entry) => entry.customerId),
  )
  @ApiOperation({ summary: 'Every refused access (403), about a client or not' })
  async denials(@Query() query: TrailQuery) {
    const { page, nextCursor } = await this.page(query, (range) => this.history.denials(range));
    return {
      entries: page.map((entry) => ({
        ...trailEntry(entry),
        customerId: entry.customerId === NO_CLIENT ? null : entry.customerId,
      })),
      nextCursor,
    };
  }

  @Get('exports')
  @Allow('audit:read')
  @NoClientData('who exported in bulk, with which filter and how many records: no client id')
  @ApiOperation({
    summary: 'Every bulk export of client data (BulkDataExported): who, filter, count, when',
  })
  async exports(@Query() query: TrailQuery) {
    const { page, nextCursor } = await this.page(query, (range) => this.history.exports(range));
    return {
      entries: page.map((entry) => ({
        ...trailEntry(entry),
        export: entry.export,
        filter: entry.filter,
        count: entry.count,
        personalData: entry.personalData,
        destination: entry.destination,
      })),
      nextCursor,
    };
  }

  @Get('customers/:id/state')
  @Allow('audit:read')
  @RecordsViews()
  @ApiOperation({
    summary: "The client's 360 state as it was at a moment, rebuilt from the event store",
  })
  async stateAt(
    @Param('id', CustomerId) customerId: string,
    @Query() query: StateAtQuery,
    @Req() request: HttpRequestLike,
  ) {
    await this.readYourWrites.await(['audit-trail'], query.minPosition);
    const at = new Date(query.at).toISOString();
    const events = await this.history.events(customerId, { time: at });
    const doc = this.history.fold(customerId, events);
    if (!doc)
      throw notFound('CUSTOMER_NOT_FOUND', `customer ${customerId} did not exist at ${at}`, {
        customerId,
        at,
      });
    const principal = request.rapport!.principal!;
    const personal = await this.presenter.forCustomer(principal, customerId);
    const view = customer360View(doc, personal, {
      churnRisk: churnRisk(doc, new Date(at)),
      rfm: undefined,
      position: doc.position,
    });
    await this.audit.recordDocumentView({
      request,
      principal,
      view: 'audit-state',
      doc,
      masked: personal.masked,
      position: doc.position,
    });
    return { at, events: events.length, state: { ...view, segment: null, rfm: null } };
  }

  @Get('views/:id')
  @Allow('audit:read')
  @RecordsViews()
  @ApiOperation({
    summary: 'What a recorded view showed its viewer: re-projected to its position, masked as then',
  })
  async view(@Param() params: ViewIdParam, @Req() request: HttpRequestLike) {
    const entries = await this.history.entriesOfEvent(params.id);
    const first = entries[0];
    if (!first || first.kind !== 'view')
      throw notFound('VIEW_NOT_FOUND', `no recorded view ${params.id}`);
    const replay = REPLAYS[first.view ?? ''] ?? 'ids';
    const shown = [];
    for (const entry of entries) {
      if (replay === 'ids') {
        shown.push({ customerId: entry.customerId });
        continue;
      }
      const doc = this.history.fold(
        entry.customerId,
        await this.history.events(entry.customerId, { position: entry.position }),
      );
      if (!doc) continue;
      const risk = churnRisk(doc, new Date(entry.at));
      if (replay === 'churn-risk') {
        shown.push({ customerId: entry.customerId, score: risk.score, reasons: risk.reasons });
        continue;
      }
      const personal = await this.presenter.forRoles(entry.actor.roles, entry.customerId);
      shown.push(
        replay === 'summary'
          ? customerSummaryView(doc, personal, { churnRisk: risk, rfm: undefined })
          : customer360View(doc, personal, {
              churnRisk: risk,
              rfm: undefined,
              position: entry.position,
            }),
      );
    }
    const principal = request.rapport!.principal!;
    await this.audit.recordView({
      request,
      principal,
      customerIds: entries.map((e) => e.customerId),
      view: 'audit-view-replay',
      fieldsShown: first.fieldsShown ?? [],
      fieldsMasked: first.fieldsMasked ?? [],
      position: first.position,
    });
    return {
      viewEventId: params.id,
      viewer: first.actor,
      at: first.at,
      ...(first.purpose !== undefined && { purpose: first.purpose }),
      view: first.view,
      position: first.position,
      fieldsShown: first.fieldsShown,
      fieldsMasked: first.fieldsMasked,
      // Segments depend on every client at that moment and are not reconstructed.
      replay,
      shown,
    };
  }

  /** A page of trail entries (read-your-writes first), up to 200 unless asked, and its cursor. */
  private async page<Entry extends { id: string }>(
    query: TrailQuery,
    read: (range: { after?: string; limit: number }) => Promise<Entry[]>,
  ): Promise<{ page: Entry[]; nextCursor: string | null }> {
    await this.readYourWrites.await(['audit-trail'], query.minPosition);
    const limit = query.limit ?? 200;
    const entries = await read({ ...(query.cursor && { after: query.cursor }), limit: limit + 1 });
    const page = entries.slice(0, limit);
    return { page, nextCursor: entries.length > limit ? page[page.length - 1]!.id : null };
  }
}
