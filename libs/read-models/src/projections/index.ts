import type { AnyProjection } from '../projection';
import { activitiesProjection } from './activities.projection';
import { auditTrailProjection } from './audit-trail.projection';
import { campaignAttributionProjection } from './campaign-attribution.projection';
import { campaignsProjection } from './campaigns.projection';
import { customer360Projection } from './customer-360.projection';
import { salesPipelineProjection } from './sales-pipeline.projection';
import { timelineProjection } from './timeline.projection';

export * from './activities.projection';
export * from './audit-trail.projection';
export * from './campaign-attribution.projection';
export * from './campaigns.projection';
export * from './customer-360.projection';
export * from './field-history.fold';
export * from './sales-pipeline.projection';
export * from './timeline.projection';

/** Every projection the system maintains, by name. */
export const PROJECTIONS: readonly AnyProjection[] = [
  customer360Projection,
  salesPipelineProjection,
  auditTrailProjection,
  activitiesProjection,
  timelineProjection,
  campaignsProjection,
  campaignAttributionProjection,
];
