import type { Principal } from '../auth/authenticator';

/** What the auth guard and the request hook attach to each incoming request. */
export interface RapportRequestState {
  principal?: Principal;
  correlationId?: string;
}

/** The parts of a Fastify/Nest request we rely on, without tying libs to an HTTP adapter. */
export interface HttpRequestLike {
  headers: Record<string, string | string[] | undefined>;
  method: string;
  url: string;
  body?: unknown;
  params?: Record<string, string>;
  routeOptions?: { url?: string };
  rapport?: RapportRequestState;
}

export function header(request: HttpRequestLike, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
