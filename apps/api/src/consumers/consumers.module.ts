import { Module } from '@nestjs/common';
import { AuditRecordingModule } from '../audit/audit-recording.module';
import { EventFeedController } from './event-feed.controller';
import { EventFeed } from './event-feed.service';
import { EventStreams } from './event-streams.service';
import { SubscriptionsController } from './webhooks/subscriptions.controller';
import { WebhookDispatcher } from './webhooks/webhook.dispatcher';
import { WebhookSecrets } from './webhooks/webhook-secrets';
import { WebhookSubscriptions } from './webhooks/webhook-subscriptions.service';

/** What internal services consume: the change feed (GET /events) and webhooks. */
@Module({
  imports: [AuditRecordingModule],
  controllers: [EventFeedController, SubscriptionsController],
  providers: [EventFeed, EventStreams, WebhookSecrets, WebhookDispatcher, WebhookSubscriptions],
  exports: [EventFeed, WebhookDispatcher],
})
export class ConsumersModule {}
