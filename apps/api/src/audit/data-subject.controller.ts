import { Controller, Get, Param, Query, Req } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { conflict, isSealed, notFound, type Sealed } from '@rapport/domain';
import { header, type HttpRequestLike } from '@rapport/platform';
import { CustomerId } from '../commands/record-id.pipe';
import { Allow } from '../http/access.decorators';
import { customer360View } from '../read-side/customer.views';
import { PersonalDataPresenter } from '../read-side/personal-data.presenter';
import { AuditRecorder } from './audit-recorder';
import { CustomerHistoryService } from './customer-history.service';
import { RecordsViews } from '../http/read-audit.decorators';

export class ExportQuery {
  @ApiPropertyOptional({
    description: 'why the export is made (also X-Purpose); "marketing" needs consent',
  })
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9_.-]{0,63}$/i, {
    message: 'purpose must be a short identifier such as marketing',
  })
  purpose?: string;
}

/** Replaces every sealed string in a value with its plaintext (null once erased). */
function opened(value: unknown, open: (sealed: string) => string | null): unknown {
  if (typeof value === 'string') return isSealed(value) ? open(value) : value;
  if (Array.isArray(value)) return value.map((item) => opened(item, open));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, opened(item, open)]),
    );
  }
  return value;
}

/** The client's rights over their data: a portable copy of everything we hold about them. */
@ApiTags('privacy')
@Controller('customers')
export class DataSubjectController {
  constructor(
    private readonly history: CustomerHistoryService,
    private readonly presenter: PersonalDataPresenter,
    private readonly audit: AuditRecorder,
  ) {}

  @Get(':id/export')
  @Allow('customer:export')
  @RecordsViews()
  @ApiHeader({ name: 'X-Purpose', required: false })
  @ApiOperation({
    summary:
      "Portable JSON of the client's data and whole history, decrypted; the export is audited",
  })
  async export(
    @Param('id', CustomerId) customerId: string,
    @Query() query: ExportQuery,
    @Req() request: HttpRequestLike,
  ) {
    const events = await this.history.events(customerId);
    const doc = this.history.fold(customerId, events);
    if (!doc)
      throw notFound('CUSTOMER_NOT_FOUND', `customer ${customerId} does not exist`, { customerId });
    const purpose = (query.purpose ?? header(request, 'x-purpose') ?? '').trim().toLowerCase();
    if (purpose === 'marketing' && doc.consents.marketing !== true) {
      throw conflict(
        'CONSENT_NOT_GIVEN',
        'the client has not consented to marketing: no export for that purpose',
        {
          purpose,
        },
      );
    }
    const principal = request.rapport!.principal!;
    const personal = await this.presenter.forCustomer(principal, customerId);
    const view = customer360View(doc, personal, {
      churnRisk: { score: 0, reasons: [] },
      rfm: undefined,
      position: doc.position,
    });
    await this.audit.recordDocumentView({
      request,
      principal,
      view: 'export',
      doc,
      masked: personal.masked,
      position: doc.position,
    });
    return {
      format: 'rapport-export/1',
      exportedAt: new Date().toISOString(),
      customerId,
      ...(purpose && { purpose }),
      status: doc.status,
      profile: view.profile,
      consents: doc.consents,
      contacts: view.contacts,
      deals: view.deals,
      complaints: view.complaints,
      history: events.map((event) => ({
        position: event.position,
        at: event.recordedAt,
        occurredAt: event.occurredAt,
        type: event.type,
        record: event.streamId,
        actor: event.metadata.actor.id,
        data: opened(event.data, (value) => personal.show(value as Sealed)),
      })),
    };
  }
}
