import { Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { IsIn, IsISO8601, IsOptional } from 'class-validator';
import { notFound, type EventEnvelope } from '@rapport/domain';
import { ApiError, type HttpRequestLike } from '@rapport/platform';
import type { AuditEntryDocument } from '@rapport/read-models';
import { CustomerId } from '../commands/record-id.pipe';
import { Allow } from '../http/access.decorators';
import { ReadYourWritesQuery } from '../read-side/query.dto';
import { ReadYourWrites } from '../read-side/read-your-writes';
import { reportLine, toCsv } from './audit-report.format';
import { AuditRecorder } from './audit-recorder';
import { CustomerHistoryService } from './customer-history.service';
import { FieldHistoryService } from './field-history.service';
import { RecordsViews } from '../http/read-audit.decorators';

export class ReportQuery extends ReadYourWritesQuery {
  @ApiPropertyOptional({ example: '2026-01-01T00:00:00Z', description: 'start (inclusive)' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  from?: string;

  @ApiPropertyOptional({ example: '2026-12-31T23:59:59Z', description: 'end (inclusive)' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  to?: string;

  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}

const PAGE = 1000;

/** A client's audit trail for a period, for a data-subject or regulator request. */
@ApiTags('audit')
@Controller('audit')
export class AuditReportController {
  constructor(
    private readonly history: CustomerHistoryService,
    private readonly fieldHistory: FieldHistoryService,
    private readonly audit: AuditRecorder,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  @Get('customers/:id/report')
  @Allow('audit:read')
  @RecordsViews()
  @ApiOperation({
    summary:
      "Who saw or changed the client's data, when and why, over a period: JSON, or CSV with format=csv",
  })
  async report(
    @Param('id', CustomerId) customerId: string,
    @Query() query: ReportQuery,
    @Req() request: HttpRequestLike,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const from = query.from === undefined ? undefined : new Date(query.from).toISOString();
    const to = query.to === undefined ? undefined : new Date(query.to).toISOString();
    if (from !== undefined && to !== undefined && from > to) {
      throw new ApiError(400, 'VALIDATION_FAILED', 'invalid request: from is after to', {
        fields: [{ field: 'from', problems: ['from must not be after to'] }],
      });
    }
    await this.readYourWrites.await(['audit-trail'], query.minPosition);
    const entries = await this.entriesOf(customerId);
    if (entries.length === 0) {
      throw notFound('CUSTOMER_NOT_FOUND', `no audit trail of customer ${customerId}`, {
        customerId,
      });
    }
    const inPeriod = entries.filter(
      (entry) => (from === undefined || entry.at >= from) && (to === undefined || entry.at <= to),
    );
    const events = await this.history.events(customerId);
    const reasons = reasonsOf(events);
    const principal = request.rapport!.principal!;
    const fields = await this.fieldHistory.forRoles(principal.actor.roles, customerId, events);
    const lines = inPeriod.map((entry) =>
      reportLine(entry, reasons.get(entry.eventId), fields.changesOf(entry.eventId)),
    );

    await this.audit.recordView({
      request,
      principal,
      customerIds: [customerId],
      view: 'audit-report',
      fieldsShown: fields.fieldsShown,
      fieldsMasked: fields.fieldsMasked,
      position: entries[entries.length - 1]!.position,
    });
    if (query.format === 'csv') {
      const name = `audit-${customerId}${from ? `-from-${from}` : ''}${to ? `-to-${to}` : ''}.csv`;
      void reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name.replace(/:/g, '')}"`);
      return toCsv(lines);
    }
    return {
      customerId,
      from: from ?? null,
      to: to ?? null,
      generatedAt: new Date().toISOString(),
      entries: lines,
    };
  }

  private async entriesOf(customerId: string): Promise<AuditEntryDocument[]> {
    const all: AuditEntryDocument[] = [];
    for (let after: string | undefined; ;) {
      const page = await this.history.entries(customerId, {
        ...(after && { after }),
        limit: PAGE,
      });
      all.push(...page);
      if (page.length < PAGE) return all;
      after = page[page.length - 1]!.id;
    }
  }
}

/** The reasons changes give (a churn, a lost deal, an escalation, an erasure), by event id. */
function reasonsOf(events: readonly EventEnvelope[]): Map<string, string> {
  const reasons = new Map<string, string>();
  for (const event of events) {
    const reason = (event.data as { reason?: unknown } | null)?.reason;
    if (typeof reason === 'string') reasons.set(event.id, reason);
  }
  return reasons;
}
