import { World } from '../testing/analytics-world';
import { churnRisk, rankChurnRisk } from './churn-risk.analytics';

const now = new Date('2026-06-30T00:00:00.000Z');

describe('churn-risk analytics', () => {
  it('explains each warning sign it adds up', async () => {
    const docs = await new World()
      .lead('quiet', '2025-01-01T00:00:00.000Z')
      .win('quiet', 100, '2025-03-01T00:00:00.000Z')
      .contact('quiet', '2026-01-01T00:00:00.000Z')
      .complaint('quiet', 'k1', 'critical', '2026-06-01T00:00:00.000Z')
      .complaint('quiet', 'k2', 'low', '2026-06-02T00:00:00.000Z')
      .lose('quiet', 10, '2026-05-01T00:00:00.000Z', '2026-05-10T00:00:00.000Z')
      .customers();
    expect(churnRisk(docs[0]!, now)).toEqual({
      // 180 days silent vs a benchmark of 91: (180/91 - 1) * 20 = 19.56 → 20
      score: 20 + 20 + 15 + 5 + 15,
      reasons: [
        'no contact for 180 days (benchmark: every 91 days)',
        '2 open complaints',
        '1 open critical complaint',
        '1 deal lost in the last 180 days',
        'no deal won in the last 12 months',
      ],
    });
  });

  it('adds points for follow-ups left undone past their due time, not for later ones', async () => {
    const [doc] = await new World()
      .lead('planned', '2026-06-01T00:00:00.000Z')
      .contact('planned', '2026-06-20T00:00:00.000Z')
      .schedule('planned', 'a1', '2026-06-10T09:00:00.000Z')
      .schedule('planned', 'a2', '2026-06-25T09:00:00.000Z')
      .schedule('planned', 'a3', '2026-06-05T09:00:00.000Z')
      .schedule('planned', 'a4', '2026-06-01T09:00:00.000Z')
      .schedule('planned', 'a5', '2026-07-02T09:00:00.000Z')
      .completeActivity('planned', 'a4', '2026-06-01T09:00:00.000Z', '2026-06-01T10:00:00.000Z')
      .customers();
    expect(churnRisk(doc!, now)).toEqual({
      // three open and past due, 10 points each, capped at 20
      score: 20,
      reasons: ['3 overdue follow-ups (oldest due 2026-06-05)'],
    });
    expect(churnRisk(doc!, new Date('2026-06-08T00:00:00.000Z'))).toEqual({
      score: 10,
      reasons: ['1 overdue follow-up (oldest due 2026-06-05)'],
    });
  });

  it("measures silence against the client's own cadence once it has enough contacts", async () => {
    const [doc] = await new World()
      .lead('weekly', '2026-05-01T00:00:00.000Z')
      .win('weekly', 10, '2026-05-02T00:00:00.000Z')
      .contact('weekly', '2026-05-01T00:00:00.000Z')
      .contact('weekly', '2026-05-08T00:00:00.000Z')
      .contact('weekly', '2026-05-15T00:00:00.000Z')
      .customers();
    // Silent for 46 days against a 7-day rhythm: far overdue, capped at 40 points.
    expect(churnRisk(doc!, now)).toEqual({
      score: 40,
      reasons: ['no contact for 46 days (usual cadence: every 7 days)'],
    });
  });

  it('scores churned clients 100 and does not rank them; a healthy client scores 0', async () => {
    const docs = await new World()
      .lead('gone', '2026-01-01T00:00:00.000Z')
      .win('gone', 10, '2026-02-01T00:00:00.000Z')
      .churn('gone', '2026-03-01T00:00:00.000Z')
      .lead('fine', '2026-06-01T00:00:00.000Z')
      .contact('fine', '2026-06-20T00:00:00.000Z')
      .lead('worry', '2026-01-01T00:00:00.000Z')
      .customers();
    const byId = Object.fromEntries(docs.map((d) => [d.customerId, d]));
    expect(churnRisk(byId.gone!, now)).toEqual({
      score: 100,
      reasons: ['churned on 2026-03-01: spec'],
    });
    expect(churnRisk(byId.fine!, now)).toEqual({ score: 0, reasons: [] });
    expect(rankChurnRisk(docs, now).map((r) => [r.customerId, r.score])).toEqual([
      ['worry', 20],
      ['fine', 0],
    ]);
  });
});
