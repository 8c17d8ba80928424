import { Inject, Injectable } from '@nestjs/common';
import {
  PROJECTIONS,
  READ_STORE,
  physicalCollection,
  type AnyAggregation,
  type AnyProjection,
  type ProjectionState,
  type ReadStore,
} from '@rapport/read-models';
import { ProjectionProgress } from './projection-progress';

/**
 * Which generation of each projection readers see. Queries go through collection(), so a
 * rebuild that swaps generations is picked up by the next query.
 */
@Injectable()
export class ReadModelCatalog {
  private states: ProjectionState[] = [];
  private refreshedAt = 0;

  constructor(
    @Inject(READ_STORE) private readonly store: ReadStore,
    private readonly progress: ProjectionProgress,
  ) {}

  /** Reads the projection states again; also feeds the progress of the live generations. */
  async refresh(states?: ProjectionState[]): Promise<ProjectionState[]> {
    this.states = states ?? (await this.store.projectionStates());
    this.refreshedAt = Date.now();
    for (const state of this.states)
      if (state.active) this.progress.update(state.projection, state.position);
    return this.states;
  }

  async collection(projection: AnyProjection): Promise<string> {
    return physicalCollection(projection.collection, await this.generation(projection));
  }

  /** The collection of one of a projection's aggregations, in the active generation. */
  async aggregateCollection(
    projection: AnyProjection,
    aggregation: AnyAggregation,
  ): Promise<string> {
    return physicalCollection(aggregation.collection, await this.generation(projection));
  }

  /**
   * The definition version the active generation was built with (undefined: none yet). Just
   * after an upgrade it is older than the definition until the rebuild is swapped in; figures
   * the older definition did not maintain are then incomplete in it.
   */
  async activeVersion(projection: AnyProjection): Promise<number | undefined> {
    await this.generation(projection);
    return this.states.find((s) => s.projection === projection.name && s.active)?.version;
  }

  /** The active generation's number (1 before any exists). */
  async activeGeneration(projection: AnyProjection): Promise<number> {
    return this.generation(projection);
  }

  private async generation(projection: AnyProjection): Promise<number> {
    // States change rarely (first start, rebuild swaps); a second of staleness is harmless
    // because the old generation stays readable until it is dropped after the swap.
    if (
      Date.now() - this.refreshedAt > 1000 ||
      !this.states.some((s) => s.projection === projection.name && s.active)
    ) {
      await this.refresh();
    }
    const active = this.states.find((s) => s.projection === projection.name && s.active);
    return active?.generation ?? 1;
  }

  async allStates(): Promise<ProjectionState[]> {
    return this.refresh();
  }

  projections(): readonly AnyProjection[] {
    return PROJECTIONS;
  }
}
