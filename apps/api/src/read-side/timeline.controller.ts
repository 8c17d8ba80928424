import { Get, Inject, Param, Query, Req } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { notFound } from '@rapport/domain';
import type { HttpRequestLike, Principal } from '@rapport/platform';
import {
  activitiesProjection,
  customer360Projection,
  READ_STORE,
  timelineProjection,
  type Customer360Document,
  type ReadStore,
  type TimelineKind,
} from '@rapport/read-models';
import { AuditRecorder } from '../audit/audit-recorder';
import { CustomerId } from '../commands/record-id.pipe';
import { CLOCK, type Clock } from '../infrastructure/tokens';
import { Allow } from '../http/access.decorators';
import { RecordsViews } from '../http/read-audit.decorators';
import { TimelineQuery } from './activity-queries.dto';
import { timelineItemView, timelinePersonalFields } from './activity.views';
import { PersonalDataPresenter } from './personal-data.presenter';
import { ProjectionProgress } from './projection-progress';
import { ReadModelCatalog } from './read-model.catalog';
import { ReadYourWrites } from './read-your-writes';
import { TimelineService } from './timeline.service';
import { QueryController } from './query-controller.decorator';

const VIEWS = [timelineProjection.name, activitiesProjection.name, customer360Projection.name];

@QueryController()
export class TimelineController {
  constructor(
    @Inject(READ_STORE) private readonly store: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly catalog: ReadModelCatalog,
    private readonly timeline: TimelineService,
    private readonly presenter: PersonalDataPresenter,
    private readonly audit: AuditRecorder,
    private readonly readYourWrites: ReadYourWrites,
    private readonly progress: ProjectionProgress,
  ) {}

  @Get('customers/:id/timeline')
  @Allow('customer:read')
  @RecordsViews()
  @ApiOperation({
    summary:
      'Everything that happened or is planned for a client (contacts, activities, deals, ' +
      'complaints, consents, lifecycle), newest first, filterable by kind; personal text ' +
      'masked for analysts and gone once erased; the read is audited',
  })
  async customerTimeline(
    @Param('id', CustomerId) customerId: string,
    @Query() query: TimelineQuery,
    @Req() request: HttpRequestLike,
  ) {
    await this.readYourWrites.await(VIEWS, query.minPosition);
    const position = Math.min(...VIEWS.map((name) => this.progress.position(name)));
    const customer = await this.store.get<Customer360Document>(
      await this.catalog.collection(customer360Projection),
      customerId,
    );
    if (!customer)
      throw notFound('CUSTOMER_NOT_FOUND', `customer ${customerId} does not exist`, { customerId });
    const kinds = query.kinds?.split(',') as TimelineKind[] | undefined;
    const page = await this.timeline.page({
      customerId,
      ...(kinds && { kinds }),
      limit: query.limit ?? 50,
      ...(query.cursor !== undefined && { cursor: query.cursor }),
    });
    const principal: Principal = request.rapport!.principal!;
    const personal = await this.presenter.forCustomer(principal, customerId);
    const erased = customer.status === 'erased';
    const now = this.clock().toISOString();
    const fields = erased ? [] : timelinePersonalFields(page.items);
    await this.audit.recordView({
      request,
      principal,
      customerIds: [customerId],
      view: 'customer-timeline',
      fieldsShown: personal.masked ? [] : fields,
      fieldsMasked: personal.masked ? fields : [],
      position,
    });
    return {
      customerId,
      status: customer.status,
      entries: page.items.map((item) => timelineItemView(item, personal, erased, now)),
      nextCursor: page.nextCursor,
      masked: personal.masked,
      position,
    };
  }
}
