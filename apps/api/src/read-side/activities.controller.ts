import { Get, Query, Req } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { seesPersonalData, type HttpRequestLike, type Principal } from '@rapport/platform';
import { activitiesProjection, customer360Projection } from '@rapport/read-models';
import { AuditRecorder } from '../audit/audit-recorder';
import { Allow } from '../http/access.decorators';
import { NoClientData, RecordsViews } from '../http/read-audit.decorators';
import { ActivityAnalyticsService } from './activity-analytics.service';
import { ActivityAnalyticsQuery, AgendaQuery } from './activity-queries.dto';
import { agendaItemView, agendaPersonalFields } from './activity.views';
import { AgendaService } from './agenda.service';
import { ownerScope } from './owner-scope';
import { PersonalDataPresenter, type PersonalFields } from './personal-data.presenter';
import { ProjectionProgress } from './projection-progress';
import { ReadYourWrites } from './read-your-writes';
import { QueryController } from './query-controller.decorator';

const principalOf = (request: HttpRequestLike): Principal => request.rapport!.principal!;

@QueryController()
export class ActivitiesController {
  constructor(
    private readonly agenda: AgendaService,
    private readonly analytics: ActivityAnalyticsService,
    private readonly presenter: PersonalDataPresenter,
    private readonly audit: AuditRecorder,
    private readonly readYourWrites: ReadYourWrites,
    private readonly progress: ProjectionProgress,
  ) {}

  @Get('activities')
  @Allow('activity:read')
  @RecordsViews()
  @ApiOperation({
    summary:
      'The agenda: open activities, soonest first (overdue, today in the time zone, upcoming); ' +
      "sales see their own, analysts and admins anyone's (subjects and notes masked for " +
      'analysts); the client ids shown are audited',
  })
  async list(@Query() query: AgendaQuery, @Req() request: HttpRequestLike) {
    const principal = principalOf(request);
    const scope = await ownerScope(this.audit, request, principal, query.ownerId);
    await this.readYourWrites.await([activitiesProjection.name], query.minPosition);
    const position = this.progress.position(activitiesProjection.name);
    const page = await this.agenda.page({
      ...scope,
      ...(query.customerId !== undefined && { customerId: query.customerId.toLowerCase() }),
      ...(query.due !== undefined && { due: query.due }),
      ...(query.tz !== undefined && { timeZone: query.tz }),
      limit: query.limit ?? 50,
      ...(query.cursor !== undefined && { cursor: query.cursor }),
    });
    const personal = new Map<string, PersonalFields>();
    const items = [];
    for (const doc of page.activities) {
      let fields = personal.get(doc.customerId);
      if (!fields) {
        fields = await this.presenter.forCustomer(principal, doc.customerId);
        personal.set(doc.customerId, fields);
      }
      items.push(agendaItemView(doc, fields, page.now));
    }
    const masked = !seesPersonalData(principal.actor.roles);
    const fields = agendaPersonalFields(page.activities);
    await this.audit.recordView({
      request,
      principal,
      customerIds: [...new Set(page.activities.map((d) => d.customerId))],
      view: 'activity-agenda',
      fieldsShown: masked ? [] : fields,
      fieldsMasked: masked ? fields : [],
      position,
    });
    return {
      ...scope,
      ...(query.customerId !== undefined && { customerId: query.customerId.toLowerCase() }),
      due: query.due ?? null,
      today: page.today,
      items,
      nextCursor: page.nextCursor,
      masked,
      position,
    };
  }

  @Get('analytics/activities')
  @Allow('activity:read')
  @NoClientData('activity counts and median days per owner (an employee): no client id')
  @ApiOperation({
    summary:
      'Per owner: planned (open), overdue, done and cancelled activities, and the median days ' +
      "from a lead's creation to its first contact; sales see their own figures",
  })
  async figures(@Query() query: ActivityAnalyticsQuery, @Req() request: HttpRequestLike) {
    const scope = await ownerScope(this.audit, request, principalOf(request), query.ownerId);
    await this.readYourWrites.await(
      [activitiesProjection.name, customer360Projection.name],
      query.minPosition,
    );
    return this.analytics.figures(scope);
  }
}
