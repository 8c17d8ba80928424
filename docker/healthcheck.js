/* global AbortSignal */
// Container healthcheck: exit 0 when GET http://127.0.0.1:<port>/health answers 2xx.
// Usage: node healthcheck.js [port]; the port defaults to HEALTH_PORT, then PORT, then 3000.
// Node's fetch is used because the slim image has neither curl nor wget.
const port = process.argv[2] || process.env.HEALTH_PORT || process.env.PORT || '3000';
fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(4000) }).then(
  (res) => process.exit(res.ok ? 0 : 1),
  () => process.exit(1),
);
