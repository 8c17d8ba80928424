import type { ProjectionState, RebuildStatus } from '@rapport/read-models';

/** What the API thread asks the projector worker. */
export type ProjectorCommand =
  | { type: 'appended' }
  | { type: 'stop' }
  | { type: 'rebuild'; projection: string }
  | { type: 'cancel-rebuild'; projection: string };

export interface ProjectorWorkerData {
  eventsFile: string;
  readModelsFile: string;
  batchSize: number;
  /** CRM_REBUILD_PAUSE_MS. */
  rebuildPauseMs: number;
  /** CRM_CATCH_UP_FLUSH_EVENTS. */
  catchUpFlushEvents: number;
  /** CRM_CATCH_UP_CACHE_MIB: the read-model page cache while catching up. */
  catchUpCacheMiB: number;
  /** CRM_DEFAULT_CURRENCY, for the rankings' segment rows. */
  defaultCurrency: string;
  /** CRM_SQLITE_READ_CACHE_MIB: the worker's read-model connection is one of the API's. */
  readCacheMiB: number;
  /** The projections this worker maintains (all of them but in a benchmark; see GUARANTEES_OFF). */
  projections: string[];
}

/** What the projector worker tells the API thread. */
export type ProjectorMessage =
  | { type: 'ready'; states: ProjectionState[] }
  | {
      type: 'progress';
      position: number;
      recordedAt: string;
      targets: { projection: string; generation: number; position: number }[];
      parked: { projection: string; key: string; position: number; error: string }[];
      /** Per event of the batch: ms from being recorded to being projected (committed). */
      lagMs: number[];
    }
  | { type: 'rebuild'; status: RebuildStatus }
  /** The rankings job failed a round (it tries again at its next tick). */
  | { type: 'rankings-failed'; error: string }
  | { type: 'stopped' }
  | { type: 'failed'; error: string };
