import { TestClock } from '@rapport/testing';
import { startTestApi, type TestApi } from '../support/api-harness';
import { expectCreated, openDeal, unknownId } from '../support/world';

/** RFC 4180 rows of a CSV text (quoted cells may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted && char === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (char === '"') {
      quoted = !quoted;
    } else if (!quoted && char === ',') {
      row.push(cell);
      cell = '';
    } else if (!quoted && char === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else {
      cell += char;
    }
  }
  return rows;
}

describe('audit report of one client for a period', () => {
  let api: TestApi;
  let customerId: string;
  let head: number;
  const at = (time: string) => api.clock.set(`2026-06-01T${time}Z`);
  const report = (query: string, role: 'auditor' | 'admin' | 'sales' = 'auditor') =>
    api.client.as(role).get(`/audit/customers/${customerId}/report?minPosition=${head}&${query}`);

  beforeAll(async () => {
    api = await startTestApi({ clock: new TestClock('2026-06-01T09:00:00Z') });
    at('09:00:00');
    const created = await api.client
      .as('sales')
      .post('/customers', { name: 'Rita Report', email: 'rita@example.com', source: 'web' });
    expectCreated(created, 'lead');
    customerId = created.body.customerId;
    at('10:00:00');
    const seen = await api.client
      .as('sales')
      .get(`/customers/${customerId}?minPosition=${created.body.position}`, {
        headers: { 'x-purpose': 'renewal, "Q3"' },
      });
    expect(seen.status).toBe(200);
    at('11:00:00');
    const deal = await openDeal(api.client, customerId);
    expectCreated(await api.client.as('sales').post(`/deals/${deal}/won`, {}), 'won deal');
    at('12:00:00');
    const churned = await api.client
      .as('support')
      .post(`/customers/${customerId}/churn`, { reason: 'moved, "cheaper"\nelsewhere' });
    expectCreated(churned, 'churn');
    at('13:00:00');
    const studied = await api.client
      .as('analyst')
      .get(`/customers/${customerId}?minPosition=${churned.body.position}`, {
        headers: { 'x-purpose': "=cmd|' /C calc'!A0" },
      });
    expect(studied.status).toBe(200);
    at('14:00:00');
    expect((await api.client.as('sales').get(`/audit/customers/${customerId}`)).status).toBe(403);
    head = await api.eventStore.headPosition();
    // Reports made by the tests below are recorded from 15:00 on.
    at('15:00:00');
  });
  afterAll(() => api.close());

  it('answers JSON with who saw or changed what, when and why, inside the period only', async () => {
    const response = await report('from=2026-06-01T10:00:00Z&to=2026-06-01T12:00:00Z');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      customerId,
      from: '2026-06-01T10:00:00.000Z',
      to: '2026-06-01T12:00:00.000Z',
    });
    const lines = response.body.entries as Record<string, unknown>[];
    expect(lines.map((l) => [l.at, l.kind, l.type, l.actor])).toEqual([
      ['2026-06-01T10:00:00.000Z', 'view', 'CustomerDataViewed', 'sales-user'],
      ['2026-06-01T11:00:00.000Z', 'change', 'DealOpened', 'sales-user'],
      ['2026-06-01T11:00:00.000Z', 'change', 'DealWon', 'sales-user'],
      ['2026-06-01T11:00:00.000Z', 'change', 'CustomerConverted', 'sales-user'],
      ['2026-06-01T12:00:00.000Z', 'change', 'CustomerChurned', 'support-user'],
    ]);
    expect(lines[0]).toMatchObject({
      purpose: 'renewal, "Q3"',
      view: 'customer-360',
      fieldsShown: ['name', 'email'],
      roles: ['sales'],
    });
    expect(lines[4]).toMatchObject({ reason: 'moved, "cheaper"\nelsewhere', purpose: null });
  });

  it('answers CSV with a header row, every cell escaped and no formula a spreadsheet would run', async () => {
    const response = await report('format=csv&to=2026-06-01T14:30:00Z', 'admin');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toMatch(
      new RegExp(`^attachment; filename="audit-${customerId}-to-2026-06-01T143000\\.000Z\\.csv"$`),
    );
    const [header, ...rows] = parseCsv(response.text);
    expect(header).toEqual([
      'at',
      'occurred_at',
      'kind',
      'type',
      'actor',
      'actor_kind',
      'roles',
      'purpose',
      'reason',
      'record',
      'changes',
      'view',
      'fields_shown',
      'fields_masked',
      'permission',
      'request',
      'source',
      'correlation_id',
      'event_id',
      'position',
    ]);
    expect(rows.every((row) => row.length === header!.length)).toBe(true);
    const column = (row: string[], name: string) => row[header!.indexOf(name)];
    expect(rows.map((row) => column(row, 'type'))).toEqual([
      'LeadCreated',
      'CustomerDataViewed',
      'DealOpened',
      'DealWon',
      'CustomerConverted',
      'CustomerChurned',
      'CustomerDataViewed',
      'AccessDenied',
    ]);
    // An admin sees the personal values a change set in clear.
    expect(column(rows[0]!, 'changes')).toBe(
      'name: null -> "Rita Report"; email: null -> "rita@example.com"; source: null -> "web"; ' +
        'status: null -> "lead"',
    );
    expect(column(rows[1]!, 'purpose')).toBe('renewal, "Q3"');
    expect(column(rows[5]!, 'reason')).toBe('moved, "cheaper"\nelsewhere');
    expect(column(rows[6]!, 'purpose')).toBe("'=cmd|' /C calc'!A0");
    expect(column(rows[6]!, 'fields_masked')).toBe('name email');
    expect(column(rows[7]!, 'request')).toBe(`GET /audit/customers/${customerId}`);
    expect(column(rows[7]!, 'permission')).toBe('audit:read');
  });

  it('records that the report was made, in the trail it reports', async () => {
    const made = await report('format=json');
    expect(made.status).toBe(200);
    const trail = await api.client
      .as('auditor')
      .get(`/audit/customers/${customerId}?minPosition=${await api.eventStore.headPosition()}`);
    expect(trail.body.entries.at(-1)).toMatchObject({
      kind: 'view',
      view: 'audit-report',
      actor: 'auditor-user',
    });
  });

  it('refuses a bad period or format with 400, other roles with 403, an unknown client with 404', async () => {
    for (const query of [
      'from=yesterday',
      'to=2026-13-01T00:00:00Z',
      'from=2026-06-02T00:00:00Z&to=2026-06-01T00:00:00Z',
      'format=xml',
    ]) {
      const response = await report(query);
      expect([query, response.status]).toEqual([query, 400]);
      expect(response.body.code).toBe('VALIDATION_FAILED');
    }
    expect((await report('format=csv', 'sales')).status).toBe(403);
    const unknown = await api.client.as('auditor').get(`/audit/customers/${unknownId()}/report`);
    expect(unknown.status).toBe(404);
  });
});
