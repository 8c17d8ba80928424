import { createServer, type Server } from 'node:http';
import type { Metrics } from '../metrics/metrics';

export interface HealthReport {
  status: 'ok' | 'degraded';
  [detail: string]: unknown;
}

/**
 * GET /health (200 ok / 503 degraded) and GET /metrics for the processes that have no API of
 * their own (relay, projector): what container healthchecks and Prometheus call.
 */
export function startHealthServer(
  port: number,
  host: string,
  health: () => Promise<HealthReport>,
  metrics: Metrics,
): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const answer = async () => {
      if (request.method === 'GET' && path === '/health') {
        const report = await health();
        response.writeHead(report.status === 'ok' ? 200 : 503, {
          'content-type': 'application/json',
        });
        response.end(JSON.stringify(report));
      } else if (request.method === 'GET' && path === '/metrics') {
        response.writeHead(200, { 'content-type': metrics.registry.contentType });
        response.end(await metrics.registry.metrics());
      } else {
        response.writeHead(404, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ statusCode: 404, code: 'ROUTE_NOT_FOUND' }));
      }
    };
    answer().catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ status: 'degraded', error: (error as Error).message }));
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
