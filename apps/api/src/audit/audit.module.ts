import { Module } from '@nestjs/common';
import { ReadSideModule } from '../read-side/read-side.module';
import { AuditController } from './audit.controller';
import { AuditReportController } from './audit-report.controller';
import { AuditRecordingModule } from './audit-recording.module';
import { CustomerHistoryService } from './customer-history.service';
import { FieldHistoryService } from './field-history.service';
import { DataSubjectController } from './data-subject.controller';
import { IntegrityController } from './integrity.controller';
import { IntegrityMonitor } from './integrity.monitor';

/**
 * The audit trail, state as of any time, replays of views, data-subject exports and reports,
 * and the integrity of the log (its hash chain, verified and sealed in the background).
 */
@Module({
  imports: [ReadSideModule, AuditRecordingModule],
  controllers: [AuditController, AuditReportController, DataSubjectController, IntegrityController],
  providers: [CustomerHistoryService, FieldHistoryService, IntegrityMonitor],
})
export class AuditModule {}
