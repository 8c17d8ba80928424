import { ApiError } from '@rapport/platform';

/**
 * Opaque page cursors: the sort values of the last item of a page (a time and an id), as
 * base64url JSON. A cursor that does not decode to as many strings is refused like any bad
 * query parameter (400).
 */
export function encodeCursor(values: readonly string[]): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, size: number): string[] {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    values = undefined;
  }
  if (
    !Array.isArray(values) ||
    values.length !== size ||
    !values.every((v) => typeof v === 'string' && v.length > 0 && v.length <= 200)
  )
    badCursor();
  return values as string[];
}

/** The 400 for a cursor that is not the nextCursor of a previous page. */
export function badCursor(): never {
  const problem = 'cursor must be the nextCursor of a previous page';
  throw new ApiError(400, 'VALIDATION_FAILED', problem, {
    fields: [{ field: 'cursor', problems: [problem] }],
  });
}
