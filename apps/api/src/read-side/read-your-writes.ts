import { Injectable } from '@nestjs/common';
import { ApiError } from '@rapport/platform';
import { ProjectionProgress } from './projection-progress';

export const READ_YOUR_WRITES_TIMEOUT_MS = 5000;

/** minPosition: wait until the read models reach the caller's write, or answer 503. */
@Injectable()
export class ReadYourWrites {
  constructor(private readonly progress: ProjectionProgress) {}

  async await(projections: readonly string[], minPosition: number | undefined): Promise<void> {
    if (minPosition === undefined) return;
    if (await this.progress.waitFor(projections, minPosition, READ_YOUR_WRITES_TIMEOUT_MS)) return;
    throw new ApiError(
      503,
      'READ_MODEL_BEHIND',
      `the read model has not reached position ${minPosition} yet`,
      { minPosition, position: this.progress.positionOf(projections) },
      { 'Retry-After': '1' },
    );
  }
}
