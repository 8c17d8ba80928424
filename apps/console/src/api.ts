import type { ApiErrorBody } from '@rapport/contracts/read-api';
import { session } from './session';

/** An answer other than 2xx, or no answer at all (status 0). */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
    readonly path: string,
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | undefined | null>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query))
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/**
 * Every call of the console: the public API, the caller's token, and the purpose the audit
 * trail records for each read (X-Purpose). Nothing is cached here: the API decides.
 */
export async function call<T>(
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  options: { query?: Query; token?: string } = {},
): Promise<T> {
  const token = options.token ?? session.token();
  const url = withQuery(path, options.query);
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        Accept: 'application/json',
        'X-Purpose': session.purpose(),
        ...(token && { Authorization: `Bearer ${token}` }),
        ...(method === 'POST' && { 'Content-Type': 'application/json' }),
      },
      ...(method === 'POST' && { body: '{}' }),
    });
  } catch {
    throw new ApiFailure(0, 'UNREACHABLE', 'the API did not answer (network error)', path);
  }
  const text = await response.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const error = (body ?? {}) as ApiErrorBody;
    const retry = Number(response.headers.get('Retry-After'));
    throw new ApiFailure(
      response.status,
      error.code,
      typeof error.message === 'string' ? error.message : response.statusText,
      path,
      Number.isFinite(retry) && retry > 0 ? retry : null,
    );
  }
  return body as T;
}

export const get = <T>(path: string, query?: Query) => call<T>('GET', path, { query });
