import { Module } from '@nestjs/common';
import { AuditRecordingModule } from '../audit/audit-recording.module';
import { EventFeedController } from './event-feed.controller';
import { EventFeed } from './event-feed.service';
import { EventStreams } from './event-streams.service';

/** What internal services consume: the change feed (GET /events) and webhooks. */
@Module({
  imports: [AuditRecordingModule],
  controllers: [EventFeedController],
  providers: [EventFeed, EventStreams],
  exports: [EventFeed],
})
export class ConsumersModule {}
