import { randomUUID } from 'node:crypto';
import fastifyStatic from '@fastify/static';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { EventStore } from '@rapport/event-store';
import {
  createLogger,
  PinoNestLogger,
  type AppConfig,
  type Logger,
  type RapportRequestState,
} from '@rapport/platform';
import { ApiModule } from './api.module';
import { consoleDir } from './console/console-files';
import { createValidationPipe } from './http/validation';
import { prepareDataDir } from './infrastructure/data-dir';
import type { BenchmarkedGuarantee, Clock } from './infrastructure/tokens';

export interface ApiAppOptions {
  clock?: Clock;
  logger?: Logger;
  /** Benchmarks only: measure reads without recording them (never configurable). */
  recordViews?: boolean;
  /** Benchmarks only: guarantees turned off to measure each one's cost (never configurable). */
  guaranteesOff?: readonly BenchmarkedGuarantee[];
  /**
   * Tests only: a log opened (and closed) by the caller instead of the configured one, so two
   * API instances in one test process share it as API processes share EventStoreDB.
   */
  eventStore?: EventStore;
}

const CORRELATION_ID = /^[\w.:@/-]{1,128}$/;

declare module 'fastify' {
  interface FastifyRequest {
    receivedAt?: Date;
    rapport?: RapportRequestState;
  }
}

/** Builds the HTTP API (not yet listening): used by main.ts and by the end-to-end tests. */
export async function createApiApp(
  config: AppConfig,
  options: ApiAppOptions = {},
): Promise<NestFastifyApplication> {
  const logger =
    options.logger ?? createLogger(config.logLevel, 'rapport-api', { format: config.logFormat });
  const clock = options.clock ?? (() => new Date());
  const prepared = prepareDataDir(config, logger);
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    // Bodies with __proto__ or constructor.prototype keys are refused, not merged.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    requestTimeout: 30_000,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    ApiModule.forRoot({
      config,
      prepared,
      logger,
      clock,
      ...(options.recordViews !== undefined && { recordViews: options.recordViews }),
      ...(options.guaranteesOff !== undefined && { guaranteesOff: options.guaranteesOff }),
      ...(options.eventStore && { eventStore: options.eventStore }),
    }),
    adapter,
    { logger: new PinoNestLogger(logger), abortOnError: false, bodyParser: false },
  );
  // reply.sendFile for the console's page and assets (GET /console, see ConsoleController);
  // nothing is served from the directory but through those routes.
  await app.register(fastifyStatic, { root: consoleDir(), serve: false });
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();

  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', async (request, reply) => {
    request.receivedAt = clock();
    const given = request.headers['x-correlation-id'];
    const correlationId =
      typeof given === 'string' && CORRELATION_ID.test(given) ? given : randomUUID();
    request.rapport = { correlationId };
    void reply.header('X-Correlation-Id', correlationId);
  });
  // During shutdown, answers to in-flight requests close their keep-alive connection, so the
  // server can stop as soon as they are done instead of waiting for idle clients.
  let closing = false;
  fastify.addHook('preClose', async () => {
    closing = true;
  });
  fastify.addHook('onSend', async (_request, reply) => {
    if (closing) void reply.header('Connection', 'close');
  });
  fastify.addHook('onResponse', async (request, reply) => {
    // Built for every request otherwise, also when info lines are not written (benchmarks, LOG_LEVEL=warn).
    if (!logger.isLevelEnabled('info')) return;
    logger.info(
      {
        method: request.method,
        url: request.url.split('?')[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
        actor: request.rapport?.principal?.actor.id,
        correlationId: request.rapport?.correlationId,
      },
      'request',
    );
  });
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Rapport API')
      .setDescription('Event-sourced CRM: commands, queries, audit and operations. See README.md.')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key or HS256 JWT' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
