import { Controller, Get, Module, Req, type Type } from '@nestjs/common';
import { APP_INTERCEPTOR, DiscoveryModule, NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { EVENT_STORE } from '@rapport/event-store';
import { InMemoryEventStore } from '@rapport/event-store/adapters';
import type { HttpRequestLike, Principal } from '@rapport/platform';
import { NoClientData, RecordsViews } from '../http/read-audit.decorators';
import { CLOCK, RECORD_VIEWS } from '../infrastructure/tokens';
import { AuditRecorder } from './audit-recorder';
import { ReadAuditCoverage } from './read-audit.coverage';
import { ReadAuditInterceptor } from './read-audit.interceptor';

const CLIENT = '0b7e4c1a-3d52-4f0e-9a66-2f1d8c9e7a10';
const principal: Principal = {
  actor: { id: 'reader', roles: ['admin'], kind: 'user' },
  via: 'api-key',
};

@Controller()
class DeclaredController {
  constructor(private readonly audit: AuditRecorder) {}

  @Get('recorded')
  @RecordsViews()
  async recorded(@Req() request: HttpRequestLike) {
    request.rapport = { ...request.rapport, principal };
    await this.audit.recordView({
      request,
      principal,
      customerIds: [CLIENT],
      view: 'spec',
      fieldsShown: [],
      fieldsMasked: [],
      position: 0,
    });
    return { customerId: CLIENT };
  }

  @Get('forgotten')
  @RecordsViews()
  forgotten() {
    return { customerId: CLIENT };
  }

  @Get('figures')
  @NoClientData('a count')
  figures() {
    return { count: 1 };
  }
}

@Controller()
class UndeclaredController {
  @Get('undeclared')
  undeclared() {
    return { customerId: CLIENT };
  }
}

async function appWith(
  controllers: Type[],
): Promise<{ app: NestFastifyApplication; store: InMemoryEventStore }> {
  const store = new InMemoryEventStore();
  @Module({
    imports: [DiscoveryModule],
    controllers,
    providers: [
      AuditRecorder,
      ReadAuditCoverage,
      { provide: APP_INTERCEPTOR, useClass: ReadAuditInterceptor },
      { provide: EVENT_STORE, useValue: store },
      { provide: CLOCK, useValue: () => new Date('2026-01-01T00:00:00Z') },
      { provide: RECORD_VIEWS, useValue: true },
    ],
  })
  class SpecModule {}
  const app = await NestFactory.create<NestFastifyApplication>(SpecModule, new FastifyAdapter(), {
    logger: false,
  });
  return { app, store };
}

describe('read routes declare their audit', () => {
  it('refuses to start with a GET route that declares none, naming it', async () => {
    const { app } = await appWith([DeclaredController, UndeclaredController]);
    await expect(app.init()).rejects.toThrow(
      'read routes without a declared audit: GET /undeclared (UndeclaredController.undeclared)',
    );
    await app.close();
  });

  it('serves a handler that recorded its views, and refuses one that did not', async () => {
    const { app, store } = await appWith([DeclaredController]);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    const inject = (url: string) =>
      app.getHttpAdapter().getInstance().inject({ method: 'GET', url });

    expect((await inject('/recorded')).statusCode).toBe(200);
    expect((await store.readStream(`audit-${CLIENT}`)).events.map((e) => e.type)).toEqual([
      'CustomerDataViewed',
    ]);
    expect((await inject('/forgotten')).statusCode).toBe(500);
    expect((await inject('/figures')).statusCode).toBe(200);
    await app.close();
  });
});
