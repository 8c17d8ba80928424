import type { AnyAggregation } from '../aggregation';
import type { AnyListing } from '../listing';
import type { AnyProjection } from '../projection';
import { physicalCollection, type ReadStore } from '../read-store.port';

/** One generation of one projection, as the engine drives it. */
export interface ProjectionTarget {
  projection: AnyProjection;
  generation: number;
  /** Last position applied (the checkpoint). */
  position: number;
}

/** A target, or any object naming a projection's generation. */
type GenerationOf = Pick<ProjectionTarget, 'projection' | 'generation'> & { position?: number };

export const documentCollection = (target: GenerationOf) =>
  physicalCollection(target.projection.collection, target.generation);

export const parkedCollection = (target: GenerationOf) =>
  physicalCollection(`parked_${target.projection.collection}`, target.generation);

export const aggregateCollection = (target: GenerationOf, aggregation: AnyAggregation) =>
  physicalCollection(aggregation.collection, target.generation);

export const listingCollection = (target: GenerationOf, listing: AnyListing) =>
  physicalCollection(listing.collection, target.generation);

/** A collection a listing's job keeps (e.g. figures), in one generation. */
export const companionCollection = (target: GenerationOf, companion: string) =>
  physicalCollection(companion, target.generation);

/** Every collection of one generation, with its indexes. */
export function generationCollections(
  target: GenerationOf,
): { collection: string; indexes: readonly string[] }[] {
  return [
    { collection: documentCollection(target), indexes: target.projection.indexes },
    { collection: parkedCollection(target), indexes: ['released', 'customerId'] },
    ...(target.projection.aggregations ?? []).map((aggregation) => ({
      collection: aggregateCollection(target, aggregation),
      indexes: ['key'],
    })),
    ...(target.projection.listings ?? []).flatMap((listing) => [
      { collection: listingCollection(target, listing), indexes: listing.indexes },
      ...(listing.companions ?? []).map((companion) => ({
        collection: companionCollection(target, companion),
        indexes: [] as readonly string[],
      })),
    ]),
  ];
}

/** Creates the collections of a generation (and their indexes) where missing. */
export async function ensureGenerationCollections(
  store: ReadStore,
  target: GenerationOf,
): Promise<void> {
  for (const { collection, indexes } of generationCollections(target))
    await store.ensureCollection(collection, indexes);
}

/** Drops the collections of a generation. */
export async function dropGenerationCollections(
  store: ReadStore,
  target: GenerationOf,
): Promise<void> {
  for (const { collection } of generationCollections(target))
    await store.dropCollection(collection);
}
