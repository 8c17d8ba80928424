import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { AppConfig, Logger } from '@rapport/platform';
import { APP_CONFIG, LOGGER } from '../infrastructure/tokens';
import { ProjectionProgress } from './projection-progress';
import { projectorMode } from './projector-mode';
import { ReadModelCatalog } from './read-model.catalog';

const POLL_MS = 200;

/**
 * When apps/projector does the projecting (Kafka), the API learns its progress from the
 * projection states the projectors record (their watermark), read every 200 ms.
 */
@Injectable()
export class RemoteProgressPoller implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly catalog: ReadModelCatalog,
    private readonly progress: ProjectionProgress,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (projectorMode(this.config) !== 'remote') return;
    await this.catalog.refresh();
    let busy = false;
    this.timer = setInterval(() => {
      if (busy) return;
      busy = true;
      this.catalog
        .refresh()
        .catch((error: unknown) =>
          this.logger.warn({ err: error }, 'could not read projection progress'),
        )
        .finally(() => (busy = false));
    }, POLL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    this.progress.cancelAll();
  }
}
