import { Controller, Get, Inject, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { EVENT_STORE, type EventStore } from '@rapport/event-store';
import type { AppConfig } from '@rapport/platform';
import { KEY_STORE, type KeyStore } from '@rapport/privacy';
import { Public } from '../http/access.decorators';
import { APP_CONFIG } from '../infrastructure/tokens';
import { RemoteProgressPoller } from '../read-side/remote-progress.poller';
import { NoClientData } from '../http/read-audit.decorators';

interface DependencyStatus {
  status: 'up' | 'down';
  detail?: string;
  [key: string]: unknown;
}

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(KEY_STORE) private readonly keyStore: KeyStore,
    private readonly remoteProgress: RemoteProgressPoller,
  ) {}

  @Get()
  @Public()
  @NoClientData('the status of each dependency')
  @ApiOperation({ summary: 'Status of the API and each dependency' })
  @ApiOkResponse({ description: 'every dependency is up' })
  @ApiServiceUnavailableResponse({ description: 'at least one dependency is down' })
  async health(@Res({ passthrough: true }) reply: FastifyReply) {
    const dependencies: Record<string, DependencyStatus> = {
      eventStore: await probe(async () => ({ headPosition: await this.eventStore.headPosition() })),
      keyStore: await probe(async () => {
        await this.keyStore.load('health-probe');
        return {};
      }),
    };
    if (this.remoteProgress.enabled) {
      // The projectors run elsewhere: a pipeline that stopped moving is down for readers.
      const pipeline = this.remoteProgress.pipeline();
      dependencies.projections = {
        status: pipeline.stalled ? 'down' : 'up',
        ...(pipeline.stalled && {
          detail: `the read models have not moved for ${this.config.projectorStallSeconds} s while events wait`,
        }),
        sinceLastPollSeconds: pipeline.sinceLastPollSeconds,
        projections: pipeline.projections,
      };
    }
    const up = Object.values(dependencies).every((d) => d.status === 'up');
    void reply.status(up ? 200 : 503);
    return { status: up ? 'ok' : 'degraded', profile: this.config.profile, dependencies };
  }
}

async function probe(check: () => Promise<Record<string, unknown>>): Promise<DependencyStatus> {
  try {
    return { status: 'up', ...(await check()) };
  } catch (error) {
    return { status: 'down', detail: (error as Error).message };
  }
}
