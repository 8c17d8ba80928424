import { Metrics } from './metrics';

describe('Metrics cache gauges', () => {
  it('publishes the entries of each watched cache as scraped, and its limit', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const cache = { cached: 3, cacheLimit: 10 };
    metrics.watchCache('data_keys', cache);
    cache.cached = 7;
    const text = await metrics.registry.metrics();
    expect(text).toContain('rapport_cache_entries{cache="data_keys"} 7');
    expect(text).toContain('rapport_cache_limit{cache="data_keys"} 10');
  });
});
