// The API's view of a remote pipeline (projectors in other processes): a live projection that
// stays behind the log without moving for CRM_PROJECTOR_STALL_SECONDS is stalled, for health
// and the rapport_projection_stalled metric, and stops being stalled once it moves again.
import type { EventStore } from '@rapport/event-store';
import { createLogger, loadConfig, Metrics } from '@rapport/platform';
import type { ProjectionState } from '@rapport/read-models';
import { ProjectionProgress } from './projection-progress';
import type { ReadModelCatalog } from './read-model.catalog';
import { RemoteProgressPoller } from './remote-progress.poller';

async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('RemoteProgressPoller stall detection', () => {
  let poller: RemoteProgressPoller | undefined;
  afterEach(() => poller?.onApplicationShutdown());

  async function given(world: { position: number; head: number; readable: boolean }) {
    const config = loadConfig({
      CRM_KAFKA_BROKERS: '127.0.0.1:9092',
      CRM_PROJECTOR_STALL_SECONDS: '1',
    });
    const metrics = new Metrics({ defaultMetrics: false });
    const state = (): ProjectionState => ({
      projection: 'customer-360',
      generation: 1,
      version: 1,
      position: world.position,
      status: 'live',
      active: true,
      updatedAt: '2026-03-01T00:00:00.000Z',
    });
    const catalog = {
      refresh: async () => {
        if (!world.readable) throw new Error('read store unreachable');
        return [state()];
      },
    } as unknown as ReadModelCatalog;
    const eventStore = { headPosition: async () => world.head } as unknown as EventStore;
    poller = new RemoteProgressPoller(
      config,
      createLogger('silent'),
      eventStore,
      catalog,
      new ProjectionProgress(metrics),
      metrics,
    );
    await poller.onApplicationBootstrap();
    const stalledMetric = async () =>
      (await metrics.projectionStalled.get()).values.find(
        (v) => v.labels.projection === 'customer-360',
      )?.value;
    return { poller, stalledMetric };
  }

  it('is not stalled while caught up, however long nothing happens', async () => {
    const { poller, stalledMetric } = await given({ position: 10, head: 10, readable: true });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(poller.pipeline().stalled).toBe(false);
    expect(await stalledMetric()).toBe(0);
  });

  it('is stalled when the position stands still behind the log, and recovers when it moves', async () => {
    const world = { position: 5, head: 10, readable: true };
    const { poller, stalledMetric } = await given(world);
    await until(() => poller.pipeline().stalled, 'the stall');
    expect(poller.pipeline().projections).toEqual([
      expect.objectContaining({
        projection: 'customer-360',
        position: 5,
        headPosition: 10,
        stalled: true,
      }),
    ]);
    await until(async () => (await stalledMetric()) === 1, 'the metric to show the stall');

    world.position = 10;
    await until(() => !poller.pipeline().stalled, 'the recovery');
    await until(async () => (await stalledMetric()) === 0, 'the metric to show the recovery');
  });

  it('is stalled when the progress cannot be read for that long', async () => {
    const world = { position: 10, head: 10, readable: true };
    const { poller } = await given(world);
    world.readable = false;
    await until(() => poller.pipeline().stalled, 'the stall');
    expect(poller.pipeline().sinceLastPollSeconds).toBeGreaterThanOrEqual(1);
  });
});
