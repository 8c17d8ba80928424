import { Module } from '@nestjs/common';
import { AuditRecordingModule } from '../audit/audit-recording.module';
import { CommandsModule } from '../commands/commands.module';
import { IngestConsumer } from './ingest.consumer';
import { IngestController } from './ingest.controller';
import { IngestService } from './ingest.service';

/** Commands from internal systems: POST /ingest, and topic crm.ingest when Kafka is set. */
@Module({
  imports: [CommandsModule, AuditRecordingModule],
  controllers: [IngestController],
  providers: [IngestService, IngestConsumer],
})
export class IngestModule {}
