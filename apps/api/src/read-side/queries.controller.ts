import { Get, Inject, Param, Query, Req } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { notFound } from '@rapport/domain';
import { isAllowed, type HttpRequestLike, type Principal } from '@rapport/platform';
import {
  campaignAttributionProjection,
  campaignTouchesOf,
  customer360Projection,
  PARETO_POINTS,
  READ_STORE,
  salesPipelineProjection,
  type CampaignAttributionDocument,
  type Customer360Document,
  type ReadStore,
} from '@rapport/read-models';
import { AuditRecorder } from '../audit/audit-recorder';
import { CustomerId } from '../commands/record-id.pipe';
import { Allow } from '../http/access.decorators';
import { customerActivitiesView } from './activity.views';
import { AnalyticsService } from './analytics.service';
import { customer360View, customerSummaryView } from './customer.views';
import { PersonalDataPresenter } from './personal-data.presenter';
import {
  ChurnRiskQuery,
  ListCustomersQuery,
  ReadYourWritesQuery,
  SegmentsQuery,
} from './query.dto';
import { ProjectionProgress } from './projection-progress';
import { ReadModelCatalog } from './read-model.catalog';
import { ReadYourWrites } from './read-your-writes';
import { CLOCK, type Clock } from '../infrastructure/tokens';
import { AuditedRead, NoClientData, RecordsViews } from '../http/read-audit.decorators';
import { QueryController } from './query-controller.decorator';

const CUSTOMER_VIEWS = [customer360Projection.name];
const PIPELINE_VIEWS = [salesPipelineProjection.name];

function principalOf(request: HttpRequestLike): Principal {
  return request.rapport!.principal!;
}

@QueryController()
export class QueriesController {
  constructor(
    @Inject(READ_STORE) private readonly store: ReadStore,
    private readonly catalog: ReadModelCatalog,
    private readonly analytics: AnalyticsService,
    private readonly presenter: PersonalDataPresenter,
    private readonly audit: AuditRecorder,
    private readonly readYourWrites: ReadYourWrites,
    private readonly progress: ProjectionProgress,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('customers/:id')
  @Allow('customer:read')
  @RecordsViews()
  @ApiOperation({
    summary: '360° view of a client (personal data masked for analysts); the read is audited',
  })
  async customer(
    @Param('id', CustomerId) customerId: string,
    @Query() query: ReadYourWritesQuery,
    @Req() request: HttpRequestLike,
  ) {
    await this.readYourWrites.await(CUSTOMER_VIEWS, query.minPosition);
    const position = this.positionOf(customer360Projection.name);
    const collection = await this.catalog.collection(customer360Projection);
    const doc = await this.store.get<Customer360Document>(collection, customerId);
    if (!doc)
      throw notFound('CUSTOMER_NOT_FOUND', `customer ${customerId} does not exist`, { customerId });
    const principal = principalOf(request);
    const personal = await this.presenter.forCustomer(principal, customerId);
    const attribution = await this.store.get<CampaignAttributionDocument>(
      await this.catalog.collection(campaignAttributionProjection),
      customerId,
    );
    const view = {
      ...customer360View(doc, personal, {
        churnRisk: this.analytics.churnRiskOf(doc),
        rfm: await this.analytics.rfmOf(doc),
        activities: customerActivitiesView(doc, this.clock()),
        position: Math.max(position, doc.position),
      }),
      // The campaigns that touched the client (responses by kind, first and last engagement).
      campaigns: campaignTouchesOf(attribution),
    };
    await this.audit.recordDocumentView({
      request,
      principal,
      view: 'customer-360',
      doc,
      masked: personal.masked,
      position: view.position,
    });
    return view;
  }

  @Get('customers')
  @Allow('customer:read')
  @RecordsViews()
  @ApiOperation({
    summary: 'A page of client summaries, filtered, in id order; the read is audited',
  })
  async customers(@Query() query: ListCustomersQuery, @Req() request: HttpRequestLike) {
    await this.readYourWrites.await(CUSTOMER_VIEWS, query.minPosition);
    const position = this.positionOf(customer360Projection.name);
    const limit = query.limit ?? 50;
    const collection = await this.catalog.collection(customer360Projection);
    let page: Customer360Document[];
    let nextCursor: string | null;
    if (query.segment) {
      // Members of a segment: a page of the segment's index, then their documents.
      const members = await this.analytics.segmentPage(
        query.segment,
        {
          ...(query.status && { status: query.status }),
          ...(query.ownerId && { ownerId: query.ownerId }),
        },
        query.cursor,
        limit,
      );
      const found = await this.store.getMany<Customer360Document>(collection, members.customerIds);
      page = members.customerIds.flatMap((id) => found.get(id) ?? []);
      nextCursor = members.nextCursor;
    } else {
      const docs = await this.store.find<Customer360Document>(collection, {
        where: {
          ...(query.status && { status: query.status }),
          ...(query.ownerId && { ownerId: query.ownerId }),
        },
        ...(query.cursor && { afterId: query.cursor }),
        limit: limit + 1,
      });
      page = docs.slice(0, limit);
      nextCursor = docs.length > limit ? page[page.length - 1]!.customerId : null;
    }
    const principal = principalOf(request);
    const items = [];
    const shown = new Set<string>();
    let masked = false;
    for (const doc of page) {
      const personal = await this.presenter.forCustomer(principal, doc.customerId);
      masked = personal.masked;
      if (doc.profile.name !== null) shown.add('name');
      items.push(
        customerSummaryView(doc, personal, {
          churnRisk: this.analytics.churnRiskOf(doc),
          rfm: await this.analytics.rfmOf(doc),
        }),
      );
    }
    await this.audit.recordView({
      request,
      principal,
      customerIds: page.map((d) => d.customerId),
      view: 'customer-list',
      fieldsShown: masked ? [] : [...shown],
      fieldsMasked: masked ? [...shown] : [],
      position,
    });
    return { items, nextCursor, position };
  }

  @Get('pipeline')
  @Allow('pipeline:read')
  @NoClientData('counts and amounts per stage and per owner (an employee): no client id')
  @ApiOperation({
    summary:
      'Open deals per stage (count, amount, weighted amount), win rate, cycle days, per owner; ' +
      'sales see their own deals (ownerId = their actor id), analysts and admins every owner',
  })
  async pipeline(@Query() query: ReadYourWritesQuery, @Req() request: HttpRequestLike) {
    await this.readYourWrites.await(PIPELINE_VIEWS, query.minPosition);
    const { actor } = principalOf(request);
    const everyOwner = isAllowed(actor.roles, 'analytics:read');
    return this.analytics.pipeline(everyOwner ? {} : { ownerId: actor.id });
  }

  @Get('analytics/retention')
  @Allow('analytics:read')
  @NoClientData('cohort sizes and rates per month: no client id')
  @ApiOperation({ summary: 'Monthly acquisition cohorts, their retention by month, churn rates' })
  async retention(@Query() query: ReadYourWritesQuery) {
    await this.readYourWrites.await(CUSTOMER_VIEWS, query.minPosition);
    return this.analytics.retention();
  }

  @Get('analytics/churn-risk')
  @Allow('analytics:read')
  @AuditedRead('churn-risk', (ranking: { customers: { customerId: string }[] }) =>
    ranking.customers.map((customer) => customer.customerId),
  )
  @ApiOperation({
    summary: 'Leads and customers ranked by churn risk, with the reasons; pages with nextCursor',
  })
  async churnRisk(@Query() query: ChurnRiskQuery) {
    await this.readYourWrites.await(CUSTOMER_VIEWS, query.minPosition);
    return this.analytics.churnRisk(query.limit ?? 100, query.cursor);
  }

  @Get('analytics/segments')
  @Allow('analytics:read')
  @NoClientData('segment sizes and the Pareto share and curve: counts, no client id')
  @ApiOperation({
    summary:
      'RFM segments, the Pareto share (revenue of the top 20% of clients) and the Pareto curve',
    description:
      'paretoCurve: 20 points { clientShare, revenueShare }, the revenue share of the top 5 %, ' +
      "10 %, … 100 % of the clients with revenue (erased clients' revenue included); empty " +
      'when there is no revenue. Computed by the rankings job with the segments, as of asOf/position.',
  })
  async segments(@Query() query: SegmentsQuery) {
    await this.readYourWrites.await(CUSTOMER_VIEWS, query.minPosition);
    const figures = await this.analytics.segments(query.currency, query.purpose, query.minPosition);
    return {
      currency: figures.currency,
      ...(query.purpose && { purpose: query.purpose }),
      segments: figures.segments,
      paretoTopShare: figures.paretoTopShare,
      paretoCurve: figures.paretoCurve.map((revenueShare, i) => ({
        clientShare: (i + 1) / PARETO_POINTS,
        revenueShare,
      })),
      asOf: figures.asOf,
      position: figures.position,
    };
  }

  private positionOf(projection: string): number {
    return this.progress.position(projection);
  }
}
