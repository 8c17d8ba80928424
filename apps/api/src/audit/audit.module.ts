import { Module } from '@nestjs/common';
import { ReadSideModule } from '../read-side/read-side.module';
import { AuditController } from './audit.controller';
import { AuditRecordingModule } from './audit-recording.module';
import { CustomerHistoryService } from './customer-history.service';
import { DataSubjectController } from './data-subject.controller';

/** The audit trail, state as of any time, replays of views, and data-subject exports. */
@Module({
  imports: [ReadSideModule, AuditRecordingModule],
  controllers: [AuditController, DataSubjectController],
  providers: [CustomerHistoryService],
})
export class AuditModule {}
