import { count, type Aggregation, type Tally } from '../aggregation';
import type { ActivityDocument } from '../projections/activity.document';

/** Aggregate key of an activity owner; activities without one share a key of their own. */
export const activityOwnerKey = (ownerId: string | null) =>
  ownerId === null ? 'no-owner' : `owner:${ownerId}`;

export const activityOwnerOfKey = (key: string): string | null =>
  key === 'no-owner' ? null : key.slice('owner:'.length);

/**
 * Activities per owner by status: `open` (still planned), `done`, `cancelled`. How many of the
 * open ones are overdue depends on now: that is an index count over their due dates, not a sum.
 */
export const activityOwnersAggregation: Aggregation<ActivityDocument> = {
  name: 'activity-owners',
  collection: 'activity_owner_tallies',
  contribution(activity) {
    const tally: Tally = {};
    count(tally, activity.status);
    return new Map([[activityOwnerKey(activity.ownerId), tally]]);
  },
};
