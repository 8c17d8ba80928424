import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  customer360Projection,
  documentCollection,
  liveTargets,
  ProjectionRunner,
  type Customer360Document,
} from '@rapport/read-models';
import { SqliteReadStore } from '@rapport/read-models/adapters';
import { TestClock } from '@rapport/testing';
import { startTestApi, type TestApi } from '../support/api-harness';
import { expectCreated } from '../support/world';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('audit: who saw or changed a client, and when', () => {
  let api: TestApi;
  let customerId: string;
  let head: number;
  const at = (time: string) => api.clock.set(`2026-05-${time}Z`);

  beforeAll(async () => {
    api = await startTestApi({ clock: new TestClock('2026-05-01T09:00:00Z') });
    // Change 1 (sales, 09:00): the lead. View 1 (sales, 10:00). Change 2 (support, 11:00):
    // a correction. View 2 (analyst, 12:00). Change 3 (sales, 13:00): a consent.
    at('01T09:00:00');
    const created = await api.client
      .as('sales')
      .post(
        '/customers',
        { name: 'Olive Original', email: 'olive@old.example', source: 'web' },
        { headers: { 'x-correlation-id': 'change-1' } },
      );
    expectCreated(created, 'lead');
    customerId = created.body.customerId;
    at('01T10:00:00');
    expect(
      (
        await api.client
          .as('sales')
          .get(`/customers/${customerId}?minPosition=${created.body.position}`, {
            headers: { 'x-purpose': 'follow-up call' },
          })
      ).status,
    ).toBe(200);
    at('01T11:00:00');
    const corrected = await api.client
      .as('support')
      .patch(
        `/customers/${customerId}`,
        { email: 'olive@new.example', phone: '+1 555 0101' },
        { headers: { 'x-correlation-id': 'change-2' } },
      );
    expect(corrected.status).toBe(200);
    at('01T12:00:00');
    expect(
      (
        await api.client
          .as('analyst')
          .get(`/customers/${customerId}?minPosition=${corrected.body.position}`, {
            headers: { 'x-purpose': 'churn study' },
          })
      ).status,
    ).toBe(200);
    at('01T13:00:00');
    const consent = await api.client
      .as('sales')
      .post(
        `/customers/${customerId}/consents`,
        { purpose: 'marketing', granted: true },
        { headers: { 'x-correlation-id': 'change-3' } },
      );
    expectCreated(consent, 'consent');
    at('01T14:00:00');
    head = await api.eventStore.headPosition();
  });
  afterAll(() => api.close());

  it('lists every change and view in order, with actor, time, purpose and correlation', async () => {
    const trail = await api.client
      .as('auditor')
      .get(`/audit/customers/${customerId}?minPosition=${head}`);
    expect(trail.status).toBe(200);
    expect(
      trail.body.entries.map((e: Record<string, unknown>) => [
        e.kind,
        e.type,
        e.actor,
        e.at,
        e.purpose ?? null,
        e.correlationId,
      ]),
    ).toEqual([
      ['change', 'LeadCreated', 'sales-user', '2026-05-01T09:00:00.000Z', null, 'change-1'],
      [
        'view',
        'CustomerDataViewed',
        'sales-user',
        '2026-05-01T10:00:00.000Z',
        'follow-up call',
        expect.any(String),
      ],
      [
        'change',
        'CustomerProfileCorrected',
        'support-user',
        '2026-05-01T11:00:00.000Z',
        null,
        'change-2',
      ],
      [
        'view',
        'CustomerDataViewed',
        'analyst-user',
        '2026-05-01T12:00:00.000Z',
        'churn study',
        expect.any(String),
      ],
      ['change', 'ConsentGranted', 'sales-user', '2026-05-01T13:00:00.000Z', null, 'change-3'],
    ]);
    const views = trail.body.entries.filter((e: { kind: string }) => e.kind === 'view');
    expect(views[0]).toMatchObject({ fieldsShown: ['name', 'email'], fieldsMasked: [] });
    expect(views[1]).toMatchObject({ fieldsShown: [], fieldsMasked: ['name', 'email', 'phone'] });
  });

  it('rebuilds the state between the changes from the event store', async () => {
    const admin = api.client.as('admin');
    const before = await admin.get(`/audit/customers/${customerId}/state?at=2026-05-01T08:00:00Z`);
    expect(before.status).toBe(404);
    const afterFirst = await admin.get(
      `/audit/customers/${customerId}/state?at=2026-05-01T10:30:00Z`,
    );
    expect(afterFirst.body.state.profile).toEqual({
      name: 'Olive Original',
      email: 'olive@old.example',
      phone: null,
      company: null,
    });
    expect(afterFirst.body.state.consents).toEqual({});
    const afterSecond = await admin.get(
      `/audit/customers/${customerId}/state?at=2026-05-01T12:30:00Z`,
    );
    expect(afterSecond.body.state.profile).toEqual({
      name: 'Olive Original',
      email: 'olive@new.example',
      phone: '+1 555 0101',
      company: null,
    });
    expect(afterSecond.body.state.consents).toEqual({});
    const afterThird = await admin.get(
      `/audit/customers/${customerId}/state?at=2026-05-01T13:30:00Z`,
    );
    expect(afterThird.body.state.consents).toEqual({ marketing: true });
    // Auditors see the reconstructed facts with personal data masked, like analysts.
    const masked = await api.client
      .as('auditor')
      .get(`/audit/customers/${customerId}/state?at=2026-05-01T12:30:00Z`);
    expect(masked.body.state.profile.email).toBe('[masked]');
  });

  it('shows exactly what each viewer saw, masked as it was for them', async () => {
    const trail = await api.client.as('auditor').get(`/audit/customers/${customerId}`);
    const [salesView, analystView] = trail.body.entries.filter(
      (e: { kind: string }) => e.kind === 'view',
    );
    const first = await api.client.as('auditor').get(`/audit/views/${salesView.eventId}`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      viewer: { id: 'sales-user' },
      purpose: 'follow-up call',
      view: 'customer-360',
    });
    expect(first.body.shown[0].profile).toEqual({
      name: 'Olive Original',
      email: 'olive@old.example',
      phone: null,
      company: null,
    });
    const second = await api.client.as('auditor').get(`/audit/views/${analystView.eventId}`);
    expect(second.body.shown[0].profile).toEqual({
      name: '[masked]',
      email: '[masked]',
      phone: '[masked]',
      company: null,
    });
    expect(
      (await api.client.as('auditor').get('/audit/views/00000000-0000-4000-8000-000000000000'))
        .status,
    ).toBe(404);
    expect((await api.client.as('sales').get(`/audit/views/${salesView.eventId}`)).status).toBe(
      403,
    );
  });

  it('exports the client portable data and history, decrypted, and refuses a marketing export without consent', async () => {
    const exported = await api.client.as('support').get(`/customers/${customerId}/export`, {
      headers: { 'x-purpose': 'subject access request' },
    });
    expect(exported.status).toBe(200);
    expect(exported.body).toMatchObject({
      format: 'rapport-export/1',
      customerId,
      profile: { name: 'Olive Original', email: 'olive@new.example', phone: '+1 555 0101' },
      consents: { marketing: true },
    });
    expect(exported.body.history.map((h: { type: string }) => h.type)).toEqual([
      'LeadCreated',
      'CustomerProfileCorrected',
      'ConsentGranted',
    ]);
    expect(exported.body.history[0].data.name).toBe('Olive Original');
    expect(
      (await api.client.as('support').get(`/customers/${customerId}/export?purpose=marketing`))
        .status,
    ).toBe(200);

    const refused = await api.client
      .as('sales')
      .post('/customers', { name: 'No Mail', source: 'web' });
    await api.client.as('sales').post(`/customers/${refused.body.customerId}/consents`, {
      purpose: 'marketing',
      granted: false,
    });
    const blocked = await api.client
      .as('support')
      .get(`/customers/${refused.body.customerId}/export?purpose=marketing`);
    expect(blocked.status).toBe(409);
    expect(blocked.body.code).toBe('CONSENT_NOT_GIVEN');
  });
});

describe('erasure: crypto-shredding', () => {
  it('leaves no plaintext anywhere in the data dir, shows the client erased even after a rebuild, and keeps the totals', async () => {
    const api = await startTestApi();
    try {
      const sales = api.client.as('sales');
      const created = await sales.post('/customers', {
        name: 'Xavier Erasable',
        email: 'xavier.erasable@example.net',
        phone: '+33 6 12 34 56 78',
        source: 'web',
      });
      const customerId = created.body.customerId as string;
      await sales.post(`/customers/${customerId}/contacts`, {
        channel: 'call',
        direction: 'inbound',
        subject: 'Xavier about invoices',
        notes: 'Xavier prefers mornings',
      });
      const deal = await sales.post(`/customers/${customerId}/deals`, {
        title: 'Renewal',
        amount: 4200,
        currency: 'EUR',
      });
      await sales.post(`/deals/${deal.body.dealId}/won`, {});
      const other = await sales.post('/customers', { name: 'Other Client', source: 'web' });
      const otherDeal = await sales.post(`/customers/${other.body.customerId}/deals`, {
        title: 'Open',
        amount: 100,
        currency: 'EUR',
        stage: 'proposal',
      });
      const before = await api.client
        .as('analyst')
        .get(`/pipeline?minPosition=${otherDeal.body.position}`);

      const erased = await api.client
        .as('admin')
        .post(`/customers/${customerId}/erasure`, { reason: 'right to be forgotten' });
      expect(erased.status).toBe(201);
      expect(erased.body.receipt).toMatchObject({
        customerId,
        erasedBy: 'admin-user',
        reason: 'right to be forgotten',
        erased: expect.arrayContaining(['name', 'email', 'phone']),
      });

      const view = await sales.get(`/customers/${customerId}?minPosition=${erased.body.position}`);
      expect(view.body).toMatchObject({
        status: 'erased',
        profile: { name: null, email: null, phone: null },
        deals: { won: 1, wonValue: { EUR: 4200 } },
      });
      expect(view.body.contacts.recent[0]).toMatchObject({
        subject: null,
        notes: null,
        channel: 'call',
      });
      const after = await api.client
        .as('analyst')
        .get(`/pipeline?minPosition=${erased.body.position}`);
      expect({ ...after.body, position: 0 }).toEqual({ ...before.body, position: 0 });

      // The history export of an erased client still lists the facts, with nothing personal.
      const exported = await api.client.as('admin').get(`/customers/${customerId}/export`);
      expect(exported.body.history[0].data).toMatchObject({
        name: null,
        email: null,
        phone: null,
        source: 'web',
      });

      // A rebuild from the log shows the same: the key is gone, so nothing can be decrypted.
      const dir = mkdtempSync(join(tmpdir(), 'rapport-erased-rebuild-'));
      const fresh = new SqliteReadStore(join(dir, 'read-models.db'));
      try {
        const targets = await liveTargets(fresh, [customer360Projection]);
        await new ProjectionRunner(api.eventStore, fresh, targets, {
          until: await api.eventStore.headPosition(),
        }).run();
        const doc = await fresh.get<Customer360Document>(
          documentCollection(targets[0]!),
          customerId,
        );
        expect(doc).toMatchObject({
          status: 'erased',
          profile: { name: null, email: null, phone: null },
        });
        const opened = await api.client.as('sales').get(`/customers/${customerId}`);
        expect(opened.body.profile).toEqual({
          name: null,
          email: null,
          phone: null,
          company: null,
        });
      } finally {
        await fresh.close();
        rmSync(dir, { recursive: true, force: true });
      }

      await api.app.close();
      const needles = [
        'Xavier',
        'Erasable',
        'xavier.erasable@example.net',
        '12 34 56 78',
        'prefers mornings',
      ];
      for (const file of filesUnder(api.dataDir)) {
        const content = readFileSync(file).toString('latin1');
        for (const needle of needles)
          expect({ file, needle, found: content.includes(needle) }).toEqual({
            file,
            needle,
            found: false,
          });
      }
      await api.restart();
    } finally {
      await api.close();
    }
  });
});
