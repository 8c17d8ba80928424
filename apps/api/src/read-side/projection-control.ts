import { Inject, Injectable } from '@nestjs/common';
import { ApiError, type AppConfig } from '@rapport/platform';
import {
  planGeneration,
  PROJECTIONS,
  READ_STORE,
  type ReadStore,
  type RebuildStatus,
} from '@rapport/read-models';
import { APP_CONFIG } from '../infrastructure/tokens';
import { EmbeddedProjector } from './embedded-projector';
import { InProcessProjector } from './in-process-projector';
import { projectorMode } from './projector-mode';
import { RemoteProgressPoller } from './remote-progress.poller';

/** Starts, cancels and reports side-by-side rebuilds wherever this profile projects. */
@Injectable()
export class ProjectionControl {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly embedded: EmbeddedProjector,
    private readonly inProcess: InProcessProjector,
    private readonly remote: RemoteProgressPoller,
    @Inject(READ_STORE) private readonly store: ReadStore,
  ) {}

  async rebuild(name: string): Promise<{ projection: string; accepted: true }> {
    this.known(name);
    switch (projectorMode(this.config)) {
      case 'worker':
        this.embedded.rebuild(name);
        break;
      case 'in-process':
        this.inProcess.projector!.rebuild(name);
        break;
      case 'remote':
        // The projectors see the new generation and feed it from new consumer groups.
        void planGeneration(
          this.store,
          PROJECTIONS.find((p) => p.name === name)!,
        );
        break;
    }
    return { projection: name, accepted: true };
  }

  async cancel(name: string): Promise<void> {
    this.known(name);
    switch (projectorMode(this.config)) {
      case 'worker':
        return this.embedded.cancelRebuild(name);
      case 'in-process':
        await this.inProcess.projector?.cancel(name);
        return;
      case 'remote': {
        const state = (await this.store.projectionStates()).find(
          (s) => s.projection === name && !s.active && s.status === 'rebuilding',
        );
        if (state)
          await this.store.saveProjectionState({
            ...state,
            status: 'paused',
            updatedAt: new Date().toISOString(),
          });
      }
    }
  }

  statuses(): RebuildStatus[] {
    switch (projectorMode(this.config)) {
      case 'worker':
        return [...this.embedded.rebuilds.values()];
      case 'in-process':
        return this.inProcess.projector?.statuses() ?? [];
      case 'remote':
        return [...this.remote.rebuilds.values()].map(
          ({ sampledAt: _sampled, ...status }) => status,
        );
    }
  }

  private known(name: string): void {
    if (!PROJECTIONS.some((p) => p.name === name)) {
      throw new ApiError(404, 'PROJECTION_NOT_FOUND', `no projection named ${name}`);
    }
  }
}
