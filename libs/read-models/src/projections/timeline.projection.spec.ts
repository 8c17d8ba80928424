import { EventLogBuilder, projectionSpecification, sealed } from '@rapport/testing';
import { timelineProjection, type TimelineEntryDocument } from './timeline.projection';

const spec = projectionSpecification(timelineProjection);
const c = 'c1';

function history() {
  const log = new EventLogBuilder();
  log.append({
    type: 'LeadCreated',
    schemaVersion: 1,
    data: {
      customerId: c,
      name: sealed('Ada'),
      source: 'fair',
      ownerId: 'rep-1',
      createdAt: '2026-01-01T00:00:00.000Z',
    },
  });
  log.append({
    type: 'ContactLogged',
    schemaVersion: 3,
    data: {
      customerId: c,
      contactId: 'k1',
      channel: 'email',
      direction: 'inbound',
      subject: sealed('question'),
      occurredAt: '2026-01-02T00:00:00.000Z',
      loggedAt: '2026-01-02T00:00:00.000Z',
    },
  });
  log.append({
    type: 'ActivityScheduled',
    schemaVersion: 1,
    data: {
      activityId: 'a1',
      customerId: c,
      kind: 'call',
      subject: sealed('call back'),
      dueAt: '2026-01-10T09:00:00.000Z',
      ownerId: 'rep-1',
      scheduledAt: '2026-01-02T00:00:00.000Z',
    },
  });
  log.append({
    type: 'ConsentGranted',
    schemaVersion: 1,
    data: { customerId: c, purpose: 'marketing', at: '2026-01-03T00:00:00.000Z' },
  });
  return log;
}

const completeCall = (log: EventLogBuilder) => {
  // A completed call is one append: the activity's completion and the contact it was.
  log.append({
    type: 'ActivityCompleted',
    schemaVersion: 1,
    data: {
      activityId: 'a1',
      customerId: c,
      kind: 'call',
      outcome: 'reached',
      notes: sealed('will order'),
      contactId: 'k2',
      dueAt: '2026-01-10T09:00:00.000Z',
      occurredAt: '2026-01-09T15:00:00.000Z',
      completedAt: '2026-01-09T15:05:00.000Z',
    },
  });
  log.append({
    type: 'ContactLogged',
    schemaVersion: 3,
    data: {
      customerId: c,
      contactId: 'k2',
      channel: 'call',
      direction: 'outbound',
      subject: sealed('call back'),
      notes: sealed('will order'),
      outcome: 'reached',
      activityId: 'a1',
      occurredAt: '2026-01-09T15:00:00.000Z',
      loggedAt: '2026-01-09T15:05:00.000Z',
    },
  });
};

const newestFirst = (entries: TimelineEntryDocument[]) =>
  [...entries].sort((a, b) => (a.customerAt < b.customerAt ? 1 : -1));

describe('timeline projection', () => {
  it('keeps one entry per fact, indexed by client, kind and time; activities are not its own', async () => {
    const entries = newestFirst(await spec.given(history().events).documents());
    expect(entries.map((e) => [e.kind, e.type, e.at])).toEqual([
      ['consent', 'ConsentGranted', '2026-01-03T00:00:00.000Z'],
      ['contact', 'ContactLogged', '2026-01-02T00:00:00.000Z'],
      ['lifecycle', 'LeadCreated', '2026-01-01T00:00:00.000Z'],
    ]);
    const [consent, contact, lead] = entries;
    expect(consent!.facts).toEqual({ purpose: 'marketing', granted: true });
    expect(contact).toMatchObject({
      id: expect.stringMatching(/^event:/) as string,
      facts: { contactId: 'k1', channel: 'email', direction: 'inbound' },
      text: { subject: sealed('question') },
      customerAt: 'c1|2026-01-02T00:00:00.000Z',
      customerKindAt: 'c1|contact|2026-01-02T00:00:00.000Z',
    });
    expect(lead!.facts).toEqual({ source: 'fair', ownerId: 'rep-1' });
  });

  it('leaves the contact a completed activity recorded to the activity (no second entry)', async () => {
    const log = history();
    completeCall(log);
    const entries = await spec.given(log.events).documents<TimelineEntryDocument>();
    expect(entries).toHaveLength(3);
    expect(timelineProjection.writeOnce).toBe(true);
  });

  it('is unchanged by duplicates and replays', async () => {
    const log = history();
    completeCall(log);
    const once = await spec.given(log.events).documents();
    expect(
      await spec
        .given(log.events)
        .whenDelivered(log.events)
        .whenReplayed(2, log.events.slice(2))
        .documents(),
    ).toEqual(once);
  });

  it('ignores events that are not about clients', () => {
    expect(timelineProjection.keysOf({ type: 'AccessDenied', data: {} } as never)).toEqual([]);
  });
});

describe('timeline projection: campaign touches', () => {
  function campaignHistory() {
    const log = new EventLogBuilder();
    log.append({
      type: 'CampaignPlanned',
      schemaVersion: 1,
      data: {
        campaignId: 'k1',
        name: 'Spring',
        channel: 'email',
        startsAt: '2026-03-01T00:00:00.000Z',
        purpose: 'marketing',
        plannedAt: '2026-02-20T00:00:00.000Z',
      },
    });
    const added = log.append({
      type: 'CampaignMembersAdded',
      schemaVersion: 1,
      data: {
        campaignId: 'k1',
        customerIds: ['c1', 'c2'],
        skipped: [{ customerId: 'c3', reason: 'no-consent' }],
        addedAt: '2026-03-01T00:00:00.000Z',
      },
    });
    const response = log.append({
      type: 'CampaignResponseRecorded',
      schemaVersion: 1,
      data: {
        campaignId: 'k1',
        customerId: 'c2',
        response: 'clicked',
        occurredAt: '2026-03-02T10:00:00.000Z',
        recordedAt: '2026-03-02T11:00:00.000Z',
      },
    });
    return { events: log.events, added, response };
  }

  it("puts a membership on each added client's timeline and a response on the member's, nothing for the campaign itself", async () => {
    const { events, added, response } = campaignHistory();
    const docs = await spec.given(events).documents<TimelineEntryDocument>();
    expect(
      docs.map((d) => [d.id, d.customerId, d.kind, d.type, d.at, d.facts, d.customerKindAt]).sort(),
    ).toEqual(
      [
        [
          `event:${added.id}:c1`,
          'c1',
          'campaign',
          'CampaignMembersAdded',
          '2026-03-01T00:00:00.000Z',
          { campaignId: 'k1' },
          'c1|campaign|2026-03-01T00:00:00.000Z',
        ],
        [
          `event:${added.id}:c2`,
          'c2',
          'campaign',
          'CampaignMembersAdded',
          '2026-03-01T00:00:00.000Z',
          { campaignId: 'k1' },
          'c2|campaign|2026-03-01T00:00:00.000Z',
        ],
        [
          `event:${response.id}`,
          'c2',
          'campaign',
          'CampaignResponseRecorded',
          '2026-03-02T10:00:00.000Z',
          { campaignId: 'k1', response: 'clicked' },
          'c2|campaign|2026-03-02T10:00:00.000Z',
        ],
      ].sort(),
    );
  });
});
