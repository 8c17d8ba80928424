import { chromium, type Browser, type Page } from 'playwright-core';
import { PersonalDataCipher } from '@rapport/privacy';
import { DeferredSeal } from '../../apps/cli/src/seed/deferred-seal';
import {
  appendSynthetic,
  seededRandom,
  syntheticHistory,
} from '../../apps/cli/src/seed/synthetic-history';
import { startTestApi, TEST_TOKENS, type TestApi, type TestRole } from './api-harness';
import { createLead, expectCreated, openDeal, raiseComplaint } from './world';

/** Debian's chromium package (installed by .ci/run with apt-get); never a downloaded browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
}

export interface ConsoleWorld {
  api: TestApi;
  /** Where the API listens, e.g. http://127.0.0.1:39211 */
  baseUrl: string;
  /** A client created through the API, with personal data, a deal, a complaint and a planned call. */
  graceId: string;
  /** A launched e-mail campaign with costs, members, responses, a lead and a won deal. */
  campaignId: string;
  head: number;
}

/**
 * The embedded API listening on a free port, with a synthetic history of `customers` clients
 * (sealed with their own keys, as `rapport seed` does) and one client made through the API;
 * every read model caught up with the log before the browser looks.
 */
export async function startConsoleWorld(customers: number): Promise<ConsoleWorld> {
  // The history is appended straight into the log of the running API: its SLA processor would
  // record breaches on the very case streams being appended (a race the seed would lose), so
  // it runs once at start (an empty read model) and not again during the test.
  // Rebuilds are throttled (0.2 s a batch of 1,000 events), so the admin's cancel lands while
  // the rebuild runs: unthrottled, a rebuild of this world can finish before the click.
  const api = await startTestApi({
    env: { CRM_SLA_CHECK_INTERVAL_MS: '3600000', CRM_REBUILD_PAUSE_MS: '200' },
  });
  const sealing = new DeferredSeal(api.app.get(PersonalDataCipher));
  await appendSynthetic(
    api.eventStore,
    syntheticHistory({
      customers,
      start: new Date('2025-01-01T00:00:00Z'),
      days: 360,
      seal: sealing.seal,
      random: seededRandom(20),
    }),
    { settle: sealing.settle },
  );
  const graceId = await createLead(api.client, { ownerId: 'sales-user' });
  const won = await openDeal(api.client, graceId, { title: 'Support contract', amount: 2400 });
  expectCreated(await api.client.as('sales').post(`/deals/${won}/won`, {}), 'win deal');
  await openDeal(api.client, graceId, { title: 'Compiler licence', amount: 1000 });
  await raiseComplaint(api.client, graceId);
  expectCreated(
    await api.client.as('sales').post(`/customers/${graceId}/contacts`, {
      channel: 'call',
      direction: 'outbound',
      subject: 'Renewal talk with Grace',
    }),
    'log contact',
  );
  expectCreated(
    await api.client.as('sales').post(`/customers/${graceId}/activities`, {
      kind: 'meeting',
      subject: 'Quarterly review with Grace',
      dueAt: '2030-01-01T09:00:00Z',
    }),
    'plan meeting',
  );
  const campaignId = await seedCampaign(api);
  const head = await api.eventStore.headPosition();
  // Every figure the pages read has caught up (and the RFM figures exist) before a page asks.
  for (const path of ['/pipeline', '/analytics/retention', '/analytics/segments']) {
    const answer = await api.client.as('admin').get(`${path}?minPosition=${head}`);
    if (answer.status !== 200) throw new Error(`${path} answered ${answer.status}`);
  }
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = (await api.app.getUrl()).replace('[::1]', '127.0.0.1');
  return { api, baseUrl, graceId, campaignId, head };
}

/** One campaign through the API: planned, launched, a cost, two members, responses, a win. */
async function seedCampaign(api: TestApi): Promise<string> {
  const marketing = api.client.as('marketing');
  const planned = await marketing.post('/campaigns', {
    name: 'Spring newsletter',
    channel: 'email',
    startsAt: '2026-01-15T00:00:00Z',
    budget: { amount: 1000, currency: 'EUR' },
  });
  expectCreated(planned, 'plan campaign');
  const campaignId: string = planned.body.campaignId;
  expectCreated(await marketing.post(`/campaigns/${campaignId}/launch`, {}), 'launch');
  expectCreated(
    await marketing.post(`/campaigns/${campaignId}/costs`, { amount: 400, currency: 'EUR' }),
    'record cost',
  );
  const members = [];
  for (const name of ['Ada Member', 'Alan Member']) {
    const id = await createLead(api.client, { name, source: 'newsletter', campaignId });
    expectCreated(
      await api.client
        .as('sales')
        .post(`/customers/${id}/consents`, { purpose: 'marketing', granted: true }),
      'grant consent',
    );
    members.push(id);
  }
  expectCreated(
    await marketing.post(`/campaigns/${campaignId}/members`, { customerIds: members }),
    'add members',
  );
  expectCreated(
    await marketing.post(`/campaigns/${campaignId}/responses`, {
      customerId: members[0],
      response: 'clicked',
    }),
    'record response',
  );
  const won = await openDeal(api.client, members[0]!, { title: 'Newsletter deal', amount: 1500 });
  expectCreated(await api.client.as('sales').post(`/deals/${won}/won`, {}), 'win deal');
  return campaignId;
}

/** Opens the console and signs in as `role` through its form, as a person would. */
export async function signIn(page: Page, baseUrl: string, role: TestRole, purpose?: string) {
  await page.goto(`${baseUrl}/console#/signin`);
  await page.getByLabel('Token (API key or JWT)').fill(TEST_TOKENS[role]);
  if (purpose) await page.getByLabel(/Purpose of your reads/).fill(purpose);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#signed-in-as').waitFor();
}

/** Goes to a page of the console (hash route) and waits until its figures are drawn. */
export async function open(page: Page, route: string): Promise<void> {
  // A string, run in the page (the tests' types know no DOM).
  await page.evaluate(`location.hash = ${JSON.stringify(route)}`);
  await page.locator(`main[data-ready="${route.replace(/^#/, '')}"]`).waitFor();
}
