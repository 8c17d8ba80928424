import { Module } from '@nestjs/common';
import { ActivitiesController } from './activities.controller';
import { ActivityAnalyticsService } from './activity-analytics.service';
import { AgendaService } from './agenda.service';
import { AnalyticsService } from './analytics.service';
import { CampaignAnalyticsService } from './campaign-analytics.service';
import { CampaignsController } from './campaigns.controller';
import { EmbeddedProjector } from './embedded-projector';
import { InProcessProjector } from './in-process-projector';
import { ProjectionControl } from './projection-control';
import { RemoteProgressPoller } from './remote-progress.poller';
import { OperationsController } from './operations.controller';
import { PersonalDataPresenter } from './personal-data.presenter';
import { ProjectionProgress } from './projection-progress';
import { QueriesController } from './queries.controller';
import { ReadModelCatalog } from './read-model.catalog';
import { ReadYourWrites } from './read-your-writes';
import { TimelineController } from './timeline.controller';
import { TimelineService } from './timeline.service';
import { AuditRecordingModule } from '../audit/audit-recording.module';

/** Queries, analytics and projection operations; the embedded projector runs here too. */
@Module({
  imports: [AuditRecordingModule],
  controllers: [
    QueriesController,
    ActivitiesController,
    TimelineController,
    OperationsController,
    CampaignsController,
  ],
  providers: [
    ProjectionProgress,
    ReadModelCatalog,
    AnalyticsService,
    AgendaService,
    TimelineService,
    ActivityAnalyticsService,
    CampaignAnalyticsService,
    PersonalDataPresenter,
    ReadYourWrites,
    EmbeddedProjector,
    InProcessProjector,
    RemoteProgressPoller,
    ProjectionControl,
  ],
  exports: [
    ProjectionProgress,
    ReadModelCatalog,
    AnalyticsService,
    PersonalDataPresenter,
    ReadYourWrites,
    RemoteProgressPoller,
  ],
})
export class ReadSideModule {}
