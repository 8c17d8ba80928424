import { Inject, Injectable } from '@nestjs/common';
import {
  activitiesProjection,
  activityOwnerKey,
  activityOwnerOfKey,
  activityOwnersAggregation,
  contactedClients,
  customer360Projection,
  firstContactDaysAggregation,
  medianDaysToFirstContact,
  rangeKey,
  READ_STORE,
  readTallies,
  type ReadStore,
  type Tally,
} from '@rapport/read-models';
import { CLOCK, type Clock } from '../infrastructure/tokens';
import { ProjectionProgress } from './projection-progress';
import { ReadModelCatalog } from './read-model.catalog';

export interface OwnerActivityFigures {
  ownerId: string | null;
  /** Open activities (still to do), the overdue ones included. */
  planned: number;
  /** Open activities due before now. */
  overdue: number;
  done: number;
  cancelled: number;
  /** Median whole days from a lead's creation to its first contact, over the owner's clients. */
  medianDaysToFirstContact: number | null;
  contactedClients: number;
  uncontactedClients: number;
}

/**
 * Activity figures per owner, from maintained aggregates: the activity owners' tallies (open,
 * done, cancelled), the histograms of days to first contact kept with the 360 documents, and,
 * for overdue (which depends on now), an index count over the owner's open due dates. The
 * cost grows with the number of owners, never with the number of clients or activities.
 */
@Injectable()
export class ActivityAnalyticsService {
  constructor(
    @Inject(READ_STORE) private readonly store: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly catalog: ReadModelCatalog,
    private readonly progress: ProjectionProgress,
  ) {}

  async figures(scope: { ownerId?: string }) {
    const keys = scope.ownerId !== undefined ? [activityOwnerKey(scope.ownerId)] : undefined;
    const [activities, customers, activityTallies] = await Promise.all([
      this.catalog.collection(activitiesProjection),
      this.catalog.aggregateCollection(customer360Projection, firstContactDaysAggregation),
      this.catalog
        .aggregateCollection(activitiesProjection, activityOwnersAggregation)
        .then((collection) => readTallies(this.store, collection, keys)),
    ]);
    // Until a rebuild of the 360 view with the histograms is swapped in, they are incomplete.
    const firstContactsKnown =
      (await this.catalog.activeVersion(customer360Projection)) === customer360Projection.version;
    const contactTallies = firstContactsKnown
      ? await readTallies(this.store, customers, keys)
      : new Map<string, Tally>();
    const now = this.clock().toISOString();
    const ownerKeys = [...new Set([...activityTallies.keys(), ...contactTallies.keys()])].sort();
    const owners: OwnerActivityFigures[] = [];
    for (const key of ownerKeys) {
      const ownerId = activityOwnerOfKey(key);
      const sums = activityTallies.get(key) ?? {};
      const contacts = contactTallies.get(key) ?? {};
      owners.push({
        ownerId,
        planned: sums.open ?? 0,
        overdue: await this.store.countRange(activities, {
          orderBy: 'ownerOpenDue',
          from: rangeKey(ownerId ?? '', ''),
          to: rangeKey(ownerId ?? '', now),
        }),
        done: sums.done ?? 0,
        cancelled: sums.cancelled ?? 0,
        medianDaysToFirstContact: firstContactsKnown ? medianDaysToFirstContact(contacts) : null,
        contactedClients: contactedClients(contacts),
        uncontactedClients: contacts.uncontacted ?? 0,
      });
    }
    return {
      ...(scope.ownerId !== undefined && { ownerId: scope.ownerId }),
      owners,
      now,
      position: Math.min(
        this.progress.position(activitiesProjection.name),
        this.progress.position(customer360Projection.name),
      ),
    };
  }
}
