import { Module } from '@nestjs/common';
import { IngestConsumer } from './ingest.consumer';
import { IngestController } from './ingest.controller';
import { IngestService } from './ingest.service';

/** Commands from internal systems: POST /ingest, and topic crm.ingest when Kafka is set. */
@Module({ controllers: [IngestController], providers: [IngestService, IngestConsumer] })
export class IngestModule {}
