import { Inject, Injectable } from '@nestjs/common';
import { ApiError, type AppConfig } from '@rapport/platform';
import { PROJECTIONS, type RebuildStatus } from '@rapport/read-models';
import { APP_CONFIG } from '../infrastructure/tokens';
import { EmbeddedProjector } from './embedded-projector';
import { InProcessProjector } from './in-process-projector';
import { projectorMode } from './projector-mode';

/** Starts, cancels and reports side-by-side rebuilds wherever this profile projects. */
@Injectable()
export class ProjectionControl {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly embedded: EmbeddedProjector,
    private readonly inProcess: InProcessProjector,
  ) {}

  rebuild(name: string): { projection: string; accepted: true } {
    this.known(name);
    switch (projectorMode(this.config)) {
      case 'worker':
        this.embedded.rebuild(name);
        break;
      case 'in-process':
        this.inProcess.projector!.rebuild(name);
        break;
      case 'remote':
        throw new ApiError(
          409,
          'REBUILD_BY_PROJECTORS',
          'with Kafka, rebuilds run in apps/projector: use `rapport rebuild` against its read store',
        );
    }
    return { projection: name, accepted: true };
  }

  async cancel(name: string): Promise<void> {
    this.known(name);
    if (projectorMode(this.config) === 'worker') this.embedded.cancelRebuild(name);
    else await this.inProcess.projector?.cancel(name);
  }

  statuses(): RebuildStatus[] {
    return projectorMode(this.config) === 'worker'
      ? [...this.embedded.rebuilds.values()]
      : (this.inProcess.projector?.statuses() ?? []);
  }

  private known(name: string): void {
    if (!PROJECTIONS.some((p) => p.name === name)) {
      throw new ApiError(404, 'PROJECTION_NOT_FOUND', `no projection named ${name}`);
    }
  }
}
