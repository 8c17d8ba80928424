/** A transport that answers one HTTP request: Fastify's inject in-process, or fetch. */
export type Transport = (request: {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}) => Promise<{ statusCode: number; body: string; headers: Record<string, unknown> }>;

export interface HttpResponse<Body = any> {
  status: number;
  body: Body;
  headers: Record<string, string>;
  text: string;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  /** Sent as is, not JSON-encoded: for malformed-body tests. */
  raw?: string;
}

/** An HTTP client bound to one caller (a bearer token, or none). */
export class HttpCaller {
  constructor(
    private readonly transport: Transport,
    private readonly token?: string,
  ) {}

  get<Body = any>(url: string, options: RequestOptions = {}): Promise<HttpResponse<Body>> {
    return this.send('GET', url, undefined, options);
  }

  post<Body = any>(
    url: string,
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<HttpResponse<Body>> {
    return this.send('POST', url, body, options);
  }

  patch<Body = any>(
    url: string,
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<HttpResponse<Body>> {
    return this.send('PATCH', url, body, options);
  }

  async send<Body = any>(
    method: string,
    url: string,
    body: unknown,
    options: RequestOptions = {},
  ): Promise<HttpResponse<Body>> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let payload: string | undefined = options.raw;
    if (payload === undefined && body !== undefined) payload = JSON.stringify(body);
    if (
      payload !== undefined &&
      !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')
    ) {
      headers['content-type'] = 'application/json';
    }
    const response = await this.transport({
      method,
      url,
      headers,
      ...(payload !== undefined && { payload }),
    });
    let parsed: unknown = response.body;
    try {
      parsed = response.body ? JSON.parse(response.body) : undefined;
    } catch {
      // Not JSON (e.g. Prometheus text): the raw text is in `text`.
    }
    const flatHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers))
      flatHeaders[name.toLowerCase()] = String(value);
    return {
      status: response.statusCode,
      body: parsed as Body,
      headers: flatHeaders,
      text: response.body,
    };
  }
}

/** Callers by role name, plus an anonymous one. */
export class HttpClient<Role extends string = string> {
  constructor(
    private readonly transport: Transport,
    private readonly tokens: Record<Role, string>,
  ) {}

  as(role: Role): HttpCaller {
    return new HttpCaller(this.transport, this.tokens[role]);
  }

  withToken(token: string): HttpCaller {
    return new HttpCaller(this.transport, token);
  }

  get anonymous(): HttpCaller {
    return new HttpCaller(this.transport);
  }
}

/**
 * Given/when/then for the HTTP API: `given` steps prepare the world through the API itself,
 * `when` is the request under test, `then` asserts on its answer (and may query further).
 */
export function httpSpecification<C>(client: C) {
  return {
    given(...steps: Array<(client: C) => Promise<unknown>>) {
      return {
        when<R>(action: (client: C) => Promise<R>) {
          return {
            async then(
              assert: (result: R, client: C) => unknown | Promise<unknown>,
            ): Promise<void> {
              for (const step of steps) await step(client);
              await assert(await action(client), client);
            },
          };
        },
      };
    },
  };
}
