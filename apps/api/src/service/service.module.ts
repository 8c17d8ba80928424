import { Module } from '@nestjs/common';
import { AuditRecordingModule } from '../audit/audit-recording.module';
import { CommandsModule } from '../commands/commands.module';
import { SlaDeadlineProcessor } from '../processes/sla-deadline.process';
import { ReadSideModule } from '../read-side/read-side.module';
import { CaseQueueService } from './case-queue.service';
import { CasesController } from './cases.controller';
import { ServiceAnalyticsService } from './service-analytics.service';

/** Service cases: the queue, case documents, service figures and the SLA deadline processor. */
@Module({
  imports: [AuditRecordingModule, CommandsModule, ReadSideModule],
  controllers: [CasesController],
  providers: [CaseQueueService, ServiceAnalyticsService, SlaDeadlineProcessor],
  exports: [SlaDeadlineProcessor],
})
export class ServiceModule {}
