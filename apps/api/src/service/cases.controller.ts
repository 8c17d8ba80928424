import { Get, Param, Query, Req } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { notFound } from '@rapport/domain';
import { seesPersonalData, type HttpRequestLike, type Principal } from '@rapport/platform';
import { serviceCasesProjection, type ServiceCaseDocument } from '@rapport/read-models';
import { AuditRecorder } from '../audit/audit-recorder';
import { RecordIdPipe } from '../commands/record-id.pipe';
import { Allow } from '../http/access.decorators';
import { NoClientData, RecordsViews } from '../http/read-audit.decorators';
import { PersonalDataPresenter, type PersonalFields } from '../read-side/personal-data.presenter';
import { ProjectionProgress } from '../read-side/projection-progress';
import { QueryController } from '../read-side/query-controller.decorator';
import { ReadYourWrites } from '../read-side/read-your-writes';
import { CaseQueriesQuery } from './case-id.query';
import { CaseQueueQuery, ServiceAnalyticsQuery } from './case-queries.dto';
import { CaseQueueService } from './case-queue.service';
import { caseView, casePersonalFields } from './case.views';
import { ServiceAnalyticsService } from './service-analytics.service';
import { Inject } from '@nestjs/common';
import { CLOCK, type Clock } from '../infrastructure/tokens';

const principalOf = (request: HttpRequestLike): Principal => request.rapport!.principal!;
const CaseId = new RecordIdPipe('case');

@QueryController()
export class CasesController {
  constructor(
    private readonly queue: CaseQueueService,
    private readonly analytics: ServiceAnalyticsService,
    private readonly presenter: PersonalDataPresenter,
    private readonly audit: AuditRecorder,
    private readonly readYourWrites: ReadYourWrites,
    private readonly progress: ProjectionProgress,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('cases')
  @Allow('case:read')
  @RecordsViews()
  @ApiOperation({
    summary:
      'The service queue, most urgent first: cases past an SLA target, then by nearest ' +
      'deadline, then those whose clock stands; status=resolved lists resolved cases, newest ' +
      'first. Subjects masked for analysts; the client ids shown are audited',
  })
  async list(@Query() query: CaseQueueQuery, @Req() request: HttpRequestLike) {
    const principal = principalOf(request);
    await this.readYourWrites.await([serviceCasesProjection.name], query.minPosition);
    const position = this.progress.position(serviceCasesProjection.name);
    const customerId = query.customerId?.toLowerCase();
    const page = await this.queue.page({
      ...(query.status !== undefined && { status: query.status }),
      ...(query.kind !== undefined && { kind: query.kind }),
      ...(query.assigneeId !== undefined && { assigneeId: query.assigneeId }),
      ...(customerId !== undefined && { customerId }),
      ...(query.overdue !== undefined && { overdue: query.overdue === 'true' }),
      limit: query.limit ?? 50,
      ...(query.cursor !== undefined && { cursor: query.cursor }),
    });
    const items = await this.present(principal, page.cases, page.now, false);
    await this.recordView(request, principal, page.cases, 'service-queue', false, position);
    return {
      items,
      nextCursor: page.nextCursor,
      masked: !seesPersonalData(principal.actor.roles),
      position,
    };
  }

  @Get('cases/:id')
  @Allow('case:read')
  @RecordsViews()
  @ApiOperation({
    summary:
      "One service case (a complaint's id is its case id): status, assignee, SLA deadlines " +
      'and breaches, responses, resolution and outcome; text masked for analysts; audited',
  })
  async one(
    @Param('id', CaseId) caseId: string,
    @Query() query: CaseQueriesQuery,
    @Req() request: HttpRequestLike,
  ) {
    const principal = principalOf(request);
    await this.readYourWrites.await([serviceCasesProjection.name], query.minPosition);
    const position = this.progress.position(serviceCasesProjection.name);
    const doc = await this.queue.get(caseId);
    if (!doc) throw notFound('CASE_NOT_FOUND', `case ${caseId} does not exist`, { caseId });
    const [view] = await this.present(principal, [doc], this.clock().toISOString(), true);
    await this.recordView(request, principal, [doc], 'service-case', true, position);
    return { ...view, position };
  }

  @Get('analytics/service')
  @Allow('case:analytics')
  @NoClientData('counts, durations and rates per case kind and category: no client id')
  @ApiOperation({
    summary:
      'Per kind and category, of the cases opened from..to (months): opened, resolved, median ' +
      'and p90 hours to first response and to resolution, SLA compliance, reopen rate, ' +
      'average satisfaction, outcomes',
  })
  async service(@Query() query: ServiceAnalyticsQuery) {
    await this.readYourWrites.await([serviceCasesProjection.name], query.minPosition);
    return {
      ...(await this.analytics.figures({
        ...(query.from !== undefined && { from: query.from }),
        ...(query.to !== undefined && { to: query.to }),
      })),
      position: this.progress.position(serviceCasesProjection.name),
    };
  }

  private async present(
    principal: Principal,
    docs: readonly ServiceCaseDocument[],
    now: string,
    detail: boolean,
  ) {
    const personal = new Map<string, PersonalFields>();
    const items = [];
    for (const doc of docs) {
      let fields = personal.get(doc.customerId);
      if (!fields) {
        fields = await this.presenter.forCustomer(principal, doc.customerId);
        personal.set(doc.customerId, fields);
      }
      items.push(caseView(doc, fields, now, detail));
    }
    return items;
  }

  private recordView(
    request: HttpRequestLike,
    principal: Principal,
    docs: readonly ServiceCaseDocument[],
    view: string,
    detail: boolean,
    position: number,
  ) {
    const masked = !seesPersonalData(principal.actor.roles);
    const fields = casePersonalFields(docs, detail);
    return this.audit.recordView({
      request,
      principal,
      customerIds: [...new Set(docs.map((d) => d.customerId))],
      view,
      fieldsShown: masked ? [] : fields,
      fieldsMasked: masked ? fields : [],
      position,
    });
  }
}
