import { PROJECTIONS, type AnyProjection } from '@rapport/read-models';
import type { BenchmarkedGuarantee } from '../infrastructure/tokens';

/**
 * The projections this API maintains: every one, in every deployment. Only the HTTP
 * benchmark, which turns the audit guarantee off to measure it, leaves out the audit trail.
 */
export function maintainedProjections(
  off: ReadonlySet<BenchmarkedGuarantee>,
): readonly AnyProjection[] {
  if (!off.has('audit')) return PROJECTIONS;
  return PROJECTIONS.filter((projection) => projection.name !== 'audit-trail');
}
