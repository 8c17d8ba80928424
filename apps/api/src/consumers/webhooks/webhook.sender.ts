import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { ResolvedTarget } from './webhook-url.guard';

export interface WebhookRequest {
  target: ResolvedTarget;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export interface WebhookAnswer {
  statusCode?: number;
  error?: string;
  durationMs: number;
}

/** At most this much of an answer is read (and then thrown away): a receiver cannot flood us. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * One POST of a delivery. It connects to the address the guard checked (the name is not
 * resolved again), never follows a redirect (a 3xx is an answer like any other non-2xx), and
 * gives up after `timeoutMs` for the whole exchange. Resolves, never rejects.
 */
export function postWebhook({
  target,
  headers,
  body,
  timeoutMs,
}: WebhookRequest): Promise<WebhookAnswer> {
  const started = Date.now();
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) {
      (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address: target.address, family: target.family },
      ]);
    } else {
      callback(null, target.address, target.family);
    }
  };
  const options: RequestOptions = {
    method: 'POST',
    headers: {
      ...headers,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'user-agent': 'Rapport-Webhooks/1',
    },
    lookup: pinned,
    timeout: timeoutMs,
    agent: false,
  };
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (answer: Omit<WebhookAnswer, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve({ ...answer, durationMs: Date.now() - started });
    };
    const req = send(target.url, options, (res) => {
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_ANSWER_BYTES) res.destroy();
      });
      const statusCode = res.statusCode ?? 0;
      const done = () =>
        finish(
          statusCode >= 200 && statusCode < 300
            ? { statusCode }
            : {
                statusCode,
                error:
                  statusCode >= 300 && statusCode < 400
                    ? `redirect to ${String(res.headers.location ?? '?').slice(0, 200)} not followed`
                    : `answered ${statusCode}`,
              },
        );
      res.on('end', done);
      res.on('close', done);
      res.on('error', done);
    });
    const deadline = setTimeout(() => {
      req.destroy(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => finish({ error: error.message.slice(0, 300) }));
    req.end(body);
  });
}
