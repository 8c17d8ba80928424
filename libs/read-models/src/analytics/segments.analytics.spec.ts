import { World } from '../testing/analytics-world';
import { computeSegments, segmentOf } from './segments.analytics';

const now = new Date('2026-12-31T00:00:00.000Z');

describe('segments analytics', () => {
  it('scores recency, frequency and money in quintiles and names the segment', async () => {
    const world = new World();
    // Ten buyers: buyer i bought i times, last on day i of December, i × 100 EUR each time.
    for (let i = 1; i <= 10; i++) {
      world.lead(`b${String(i).padStart(2, '0')}`, '2026-01-01T00:00:00.000Z');
      for (let n = 0; n < i; n++)
        world.win(
          `b${String(i).padStart(2, '0')}`,
          100 * i,
          `2026-12-${String(i).padStart(2, '0')}T00:00:00.000Z`,
        );
    }
    world.lead('lead-only', '2026-01-01T00:00:00.000Z');
    world
      .lead('dollars', '2026-01-01T00:00:00.000Z')
      .win('dollars', 5, '2026-12-01T00:00:00.000Z', 'USD');
    const figures = computeSegments(await world.customers(), now, { currency: 'EUR' });
    const rfm = (id: string) => figures.customers.get(id)!;
    expect(rfm('b10')).toMatchObject({
      rfm: '555',
      segment: 'champions',
      frequency: 10,
      monetary: 10000,
      recencyDays: 21,
    });
    expect(rfm('b01')).toMatchObject({
      rfm: '111',
      segment: 'hibernating',
      frequency: 1,
      monetary: 100,
      recencyDays: 30,
    });
    expect(rfm('b05')).toMatchObject({ rfm: '333', segment: 'need-attention' });
    expect(rfm('lead-only').segment).toBe('prospects');
    expect(rfm('dollars').segment).toBe('prospects');
    // Scores go in pairs (10 buyers, 5 quintiles): b09-b10 = 555, b07-b08 = 444, b05-b06 = 333, ...
    expect(figures.segments).toEqual([
      { segment: 'champions', customers: 2 },
      { segment: 'loyal-customers', customers: 2 },
      { segment: 'need-attention', customers: 2 },
      { segment: 'hibernating', customers: 4 },
      { segment: 'prospects', customers: 2 },
    ]);
    // Revenue 100·1², ..., 100·10² = 38,500; top 2 clients (20% of 10): 10,000 + 8,100.
    expect(figures.paretoTopShare).toBe(Math.round((18100 / 38500) * 10000) / 10000);
    // The curve: the top ⌈k × 10 / 20⌉ clients for k = 1 … 20 (top 5 %: 1 client, 10 %: 1, 15 %: 2, …).
    const share = (clients: number) => {
      let top = 0;
      for (let i = 10; i > 10 - clients; i--) top += 100 * i * i;
      return Math.round((top / 38500) * 10000) / 10000;
    };
    expect(figures.paretoCurve).toEqual(
      Array.from({ length: 20 }, (_, k) => share(Math.ceil(((k + 1) * 10) / 20))),
    );
    expect(figures.paretoCurve[3]).toBe(figures.paretoTopShare);
    expect(figures.paretoCurve[19]).toBe(1);
  });

  it('counts only consenting clients for a purpose, and never erased ones', async () => {
    const docs = await new World()
      .lead('yes', '2026-01-01T00:00:00.000Z')
      .consent('yes', 'marketing', true)
      .win('yes', 10, '2026-12-01T00:00:00.000Z')
      .lead('no', '2026-01-01T00:00:00.000Z')
      .consent('no', 'marketing', false)
      .win('no', 10, '2026-12-01T00:00:00.000Z')
      .lead('gone', '2026-01-01T00:00:00.000Z')
      .consent('gone', 'marketing', true)
      .erase('gone', '2026-06-01T00:00:00.000Z')
      .customers();
    expect([
      ...computeSegments(docs, now, {
        currency: 'EUR',
        consentPurpose: 'marketing',
      }).customers.keys(),
    ]).toEqual(['yes']);
    expect([...computeSegments(docs, now, { currency: 'EUR' }).customers.keys()].sort()).toEqual([
      'no',
      'yes',
    ]);
  });

  it("keeps an erased client's revenue in the Pareto share, not in the segments", async () => {
    const world = new World();
    for (const [id, amount] of [
      ['big', 800],
      ['small1', 100],
      ['small2', 100],
    ] as const) {
      world.lead(id, '2026-01-01T00:00:00.000Z').win(id, amount, '2026-11-01T00:00:00.000Z');
    }
    const before = computeSegments(await world.customers(), now, { currency: 'EUR' });
    const after = computeSegments(
      await world.erase('big', '2026-11-20T00:00:00.000Z').customers(),
      now,
      { currency: 'EUR' },
    );
    // Top 20% of 3 clients = 1 client: 800 of 1,000.
    expect(before.paretoTopShare).toBe(0.8);
    expect(after.paretoTopShare).toBe(0.8);
    expect(after.paretoCurve).toEqual(before.paretoCurve);
    expect(after.paretoCurve.slice(5, 7)).toEqual([0.8, 0.9]); // top 30 %: 1 client, 35 %: 2
    expect(after.customers.has('big')).toBe(false);
  });

  it('maps every R×F score pair to a segment', () => {
    expect(segmentOf(5, 5)).toBe('champions');
    expect(segmentOf(3, 4)).toBe('loyal-customers');
    expect(segmentOf(4, 2)).toBe('potential-loyalists');
    expect(segmentOf(5, 1)).toBe('new-customers');
    expect(segmentOf(4, 1)).toBe('promising');
    expect(segmentOf(3, 3)).toBe('need-attention');
    expect(segmentOf(3, 1)).toBe('about-to-sleep');
    expect(segmentOf(1, 5)).toBe('cannot-lose-them');
    expect(segmentOf(2, 3)).toBe('at-risk');
    expect(segmentOf(1, 2)).toBe('hibernating');
  });
});
