// kill -9 of the API in the middle of thousands of concurrent commands over real HTTP, three
// times, each time restarted on the same data dir. Checked against what the clients saw:
// - every command answered 2xx has its events in the log, at the positions it was told;
// - every event in the log belongs to a request that was really sent, was recorded once, and
//   whole (a command's events are all there or none are, e.g. DealWon + CustomerConverted on
//   two streams), and positions stay gapless;
// - a request whose answer was lost in the crash, retried with its Idempotency-Key after the
//   restart, is replayed if it had committed and executed if it had not: never recorded twice;
// - after catch-up, the read models count exactly what the log holds, and equal a clean
//   rebuild (`rapport verify`, run on the data dir with the API stopped).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import type { EventEnvelope } from '@rapport/domain';
import {
  BENCH_TOKENS,
  CHILD_JWT_SECRET,
  CHILD_MASTER_KEY,
  killAllChildren,
  startChildApi,
  type ChildApi,
} from './support/child-api';
import { readLog, verifyDataDir } from './support/data-dir';
import { keepAliveAgent, send, until, type RawResponse } from './support/http';
import { runSeed, seededRandom } from './support/prng';
import { startLossyProxy, type LossyProxy } from './support/proxy';

type Step = 'lead' | 'contact' | 'deal' | 'won';
const STEPS: Step[] = ['lead', 'contact', 'deal', 'won'];
/** The events each command must record, in order (a lead's first win converts it). */
const EXPECTED_TYPES: Record<Step, string[]> = {
  lead: ['LeadCreated'],
  contact: ['ContactLogged'],
  deal: ['DealOpened'],
  won: ['DealWon', 'CustomerConverted'],
};

const CRASHES = 5;
const CHAINS = 2400; // × 4 commands
const WORKERS = 96; // requests in flight at any moment
const ACTOR = 'bench-sales';
const SEED = runSeed(20260301);

interface Answer {
  customerId: string;
  position: number;
  events: { id: string; type: string; streamId: string; revision: number; position: number }[];
}

interface Sent {
  key: string;
  chain: number;
  step: Step;
  path: string;
  body: Record<string, unknown>;
  state: 'in-flight' | 'acked' | 'refused' | 'lost';
  status?: number;
  answer?: Answer;
  error?: string;
}

interface Chain {
  index: number;
  customerId: string;
  dealId: string;
  amount: number;
  /** Index into STEPS of the next command to send. */
  next: number;
  /** The request whose outcome the crash hid: retried after the restart. */
  pending?: Sent;
}

const commandIdOf = (key: string) => `${ACTOR}/${key}`;

function requestFor(run: string, chain: Chain, step: Step): Sent {
  const key = `crash-${run}-${chain.index}-${step}`;
  const base = { key, chain: chain.index, step, state: 'in-flight' as const };
  switch (step) {
    case 'lead':
      return {
        ...base,
        path: '/customers',
        body: {
          customerId: chain.customerId,
          name: `Crash Lead ${chain.index}`,
          source: 'crash-test',
          email: `lead${chain.index}@example.com`,
        },
      };
    case 'contact':
      return {
        ...base,
        path: `/customers/${chain.customerId}/contacts`,
        body: { channel: 'call', direction: 'outbound', subject: `call ${chain.index}` },
      };
    case 'deal':
      return {
        ...base,
        path: `/customers/${chain.customerId}/deals`,
        body: {
          dealId: chain.dealId,
          title: `Deal ${chain.index}`,
          amount: chain.amount,
          currency: 'EUR',
        },
      };
    case 'won':
      return { ...base, path: `/deals/${chain.dealId}/won`, body: {} };
  }
}

function groupByCommand(log: EventEnvelope[]): Map<string, EventEnvelope[]> {
  const groups = new Map<string, EventEnvelope[]>();
  for (const event of log) {
    const id = event.metadata.commandId;
    groups.set(id, [...(groups.get(id) ?? []), event]);
  }
  return groups;
}

function post(url: string, request: Sent, agent: ReturnType<typeof keepAliveAgent>) {
  return send(url, {
    method: 'POST',
    path: request.path,
    body: request.body,
    token: BENCH_TOKENS.sales,
    headers: { 'idempotency-key': request.key, 'x-correlation-id': request.key },
    agent,
    timeoutMs: 20_000,
  });
}

/** The log's invariants against everything the clients sent and were told so far. */
function checkLog(log: EventEnvelope[], sent: Sent[]): string[] {
  const problems: string[] = [];
  const byPosition = new Map(log.map((e) => [e.position, e]));
  // 1. Every acknowledged command has its events, exactly as answered.
  for (const request of sent.filter((r) => r.state === 'acked')) {
    for (const answered of request.answer!.events) {
      const stored = byPosition.get(answered.position);
      if (
        !stored ||
        stored.id !== answered.id ||
        stored.type !== answered.type ||
        stored.streamId !== answered.streamId ||
        stored.streamRevision !== answered.revision ||
        stored.metadata.commandId !== commandIdOf(request.key)
      ) {
        problems.push(
          `acknowledged but missing: ${request.key} ${answered.type}@${answered.position}`,
        );
      }
    }
  }
  // 2. Every event belongs to a request that was sent; each command recorded once, whole.
  const sentByCommandId = new Map(sent.map((r) => [commandIdOf(r.key), r]));
  for (const [commandId, events] of groupByCommand(log)) {
    const request = sentByCommandId.get(commandId);
    if (!request) {
      problems.push(`events of a command nobody sent: ${commandId}`);
      continue;
    }
    const types = events.map((e) => e.type).join(',');
    if (types !== EXPECTED_TYPES[request.step].join(','))
      problems.push(`${request.key}: recorded ${types}`);
    const positions = events.map((e) => e.position);
    if (positions.some((p, i) => i > 0 && p !== positions[i - 1]! + 1))
      problems.push(`${request.key}: not one contiguous append (${positions.join(',')})`);
    if (events.some((e) => e.metadata.correlationId !== request.key))
      problems.push(`${request.key}: wrong correlation id`);
  }
  // 3. Positions are gapless from 1: nothing half-written left a hole.
  log.forEach((event, i) => {
    if (event.position !== i + 1) problems.push(`position ${i + 1} holds ${event.position}`);
  });
  return problems;
}

describe('kill -9 under load, restart on the same data dir', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'rapport-crash-'));
  // NORMAL is the weakest setting that claims to survive a process crash (FULL only adds
  // fsyncs against power loss), so passing with it covers the default too.
  const env = { CRM_SQLITE_SYNCHRONOUS: 'NORMAL', CRM_JWT_SECRET: CHILD_JWT_SECRET };
  const admin = jwt.sign({ sub: 'reliability-admin', roles: ['admin'] }, CHILD_JWT_SECRET, {
    algorithm: 'HS256',
    expiresIn: 600,
  });

  const proxies: LossyProxy[] = [];
  afterAll(async () => {
    for (const proxy of proxies) await proxy.close();
    await killAllChildren();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`loses no acknowledged command, invents none, and its read models equal a clean rebuild (seed ${SEED})`, async () => {
    const random = seededRandom(SEED);
    const run = randomUUID().slice(0, 8);
    const chains: Chain[] = Array.from({ length: CHAINS }, (_, index) => ({
      index,
      customerId: randomUUID(),
      dealId: randomUUID(),
      amount: 100 + (index % 37),
      next: 0,
    }));
    const sent: Sent[] = [];
    let fresh = 0; // chains not started yet begin at this index
    const stats = { inFlightAtKill: 0, committedButUnanswered: 0 };

    for (let round = 0; round <= CRASHES; round++) {
      const api = await startChildApi(dataDir, { env });
      const crashRound = round < CRASHES;
      const agent = keepAliveAgent(WORKERS);
      const proxy = await startLossyProxy(api.url);
      proxies.push(proxy);

      // Requests whose outcome the previous crash hid: retried with the same key.
      const before = groupByCommand(await readLog(dataDir));
      const retryProblems: string[] = [];
      await Promise.all(
        chains
          .filter((c) => c.pending)
          .map(async (chain) => {
            const request = chain.pending!;
            const committed = before.has(commandIdOf(request.key));
            if (committed) stats.committedButUnanswered++;
            const response = await post(api.url, request, agent);
            const replayed = response.headers['idempotent-replayed'] === 'true';
            if (response.status !== 201) {
              retryProblems.push(
                `${request.key}: retry answered ${response.status} ${response.text}`,
              );
              return;
            }
            if (replayed !== committed)
              retryProblems.push(`${request.key}: committed=${committed} but replayed=${replayed}`);
            if (
              committed &&
              JSON.stringify(before.get(commandIdOf(request.key))!.map((e) => e.id)) !==
                JSON.stringify((response.body as Answer).events.map((e) => e.id))
            )
              retryProblems.push(`${request.key}: the replay answered other events`);
            request.state = 'acked';
            request.status = response.status;
            request.answer = response.body as Answer;
            chain.pending = undefined;
            chain.next++;
          }),
      );
      expect(retryProblems).toEqual([]);

      // The load: interrupted chains first, then fresh ones; each chain's commands in order.
      const queue = chains.filter((c) => c.next > 0 && c.next < STEPS.length);
      let taken = 0;
      const killAfter = 500 + Math.floor(random() * 900);
      const killDelayMs = Math.floor(random() * 25);
      let acks = 0;
      let killing: Promise<void> | undefined;
      const stopSending = () => killing !== undefined;
      // The kill is decoupled from any one answer. Even rounds: a timer a few ms after the
      // threshold (what is in flight has mostly not committed yet). Odd rounds: the network
      // first loses every answer, then the process dies, so what is in flight has mostly
      // committed without the client hearing of it (the kill waits for the first answer the
      // network lost, however slow the machine); both kinds of retry are exercised.
      const scheduleKill = () => {
        if (round % 2 === 0) {
          setTimeout(() => (killing = api.kill9()), killDelayMs);
          return;
        }
        proxy.dropAnswers();
        const killOnceAnswerLost = () => {
          if (proxy.droppedAnswers() > 0) killing = api.kill9();
          else setTimeout(killOnceAnswerLost, 5);
        };
        setTimeout(killOnceAnswerLost, killDelayMs + 20);
      };
      const nextChain = (): Chain | undefined => {
        if (taken < queue.length) return queue[taken++];
        return fresh < CHAINS ? chains[fresh++] : undefined;
      };
      const worker = async () => {
        while (!stopSending()) {
          const chain = nextChain();
          if (!chain) return;
          while (chain.next < STEPS.length && !stopSending()) {
            const request = requestFor(run, chain, STEPS[chain.next]!);
            sent.push(request);
            let response: RawResponse;
            try {
              response = await post(proxy.url, request, agent);
            } catch (error) {
              request.state = 'lost';
              request.error = (error as Error).message;
              chain.pending = request;
              return;
            }
            request.status = response.status;
            if (response.status !== 201) {
              request.state = 'refused';
              request.error = response.text.slice(0, 300);
              return;
            }
            request.state = 'acked';
            request.answer = response.body as Answer;
            chain.next++;
            if (crashRound && ++acks === killAfter) scheduleKill();
          }
        }
      };
      const workers = Promise.all(Array.from({ length: WORKERS }, worker));
      if (crashRound) {
        await until(() => killing !== undefined, 'the kill', 60_000);
        await killing;
        await proxy.close();
      }
      await workers;
      agent.destroy();

      // Before the crash every command was accepted: the load itself is valid.
      expect(sent.filter((r) => r.state === 'refused').map((r) => `${r.key} ${r.error}`)).toEqual(
        [],
      );
      if (!crashRound) {
        expect(fresh).toBe(CHAINS);
        expect(
          chains
            .filter((c) => c.next !== STEPS.length)
            .map((c) => `${c.index} at ${STEPS[c.next]}: ${c.pending?.error ?? 'not pending'}`),
        ).toEqual([]);
        await finalChecks(api, sent);
        // Both cases happened: answers lost after the commit, and requests that never committed.
        expect(stats.committedButUnanswered).toBeGreaterThan(0);
        expect(stats.inFlightAtKill - stats.committedButUnanswered).toBeGreaterThan(0);
        return;
      }
      const unknown = chains.filter((c) => c.pending).length;
      stats.inFlightAtKill += unknown;
      // The kill happened with requests in flight, or this round proves little.
      expect(unknown).toBeGreaterThan(0);
      expect(checkLog(await readLog(dataDir), sent)).toEqual([]);
    }
  }, 300_000);

  async function finalChecks(api: ChildApi, sent: Sent[]): Promise<void> {
    const log = await readLog(dataDir);
    expect(checkLog(log, sent)).toEqual([]);
    // Every command sent is recorded exactly once, and nothing else is.
    expect([...groupByCommand(log).keys()].sort()).toEqual(
      [...new Set(sent.map((r) => commandIdOf(r.key)))].sort(),
    );
    const commandHead = log.at(-1)!.position;

    // Catch-up: the projections reach the head of the log.
    await until(
      async () => {
        const status = await send(api.url, {
          method: 'GET',
          path: '/admin/projections',
          token: admin,
        });
        return (
          status.status === 200 &&
          (status.body.projections as { position: number }[]).every(
            (p) => p.position >= commandHead,
          )
        );
      },
      `every projection to reach position ${commandHead}`,
      30_000,
      100,
    );

    // The read models count what the log holds.
    const count = (type: string) => log.filter((e) => e.type === type).length;
    const listed: { customerId: string; status: string }[] = [];
    for (let cursor: string | null = null; ;) {
      const page: RawResponse = await send(api.url, {
        method: 'GET',
        path: `/customers?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
        token: BENCH_TOKENS.sales,
      });
      expect(page.status).toBe(200);
      listed.push(...(page.body.items as { customerId: string; status: string }[]));
      cursor = page.body.nextCursor as string | null;
      if (!cursor) break;
    }
    expect(listed).toHaveLength(count('LeadCreated'));
    expect(new Set(listed.map((c) => c.customerId)).size).toBe(count('LeadCreated'));
    expect(listed.filter((c) => c.status === 'customer')).toHaveLength(count('CustomerConverted'));
    const pipeline = await send(api.url, {
      method: 'GET',
      path: `/pipeline?minPosition=${commandHead}`,
      token: BENCH_TOKENS.analyst,
    });
    expect(pipeline.status).toBe(200);
    const wonDeals = new Set(log.filter((e) => e.type === 'DealWon').map((e) => e.streamId));
    const wonAmount = log
      .filter((e) => e.type === 'DealOpened' && wonDeals.has(e.streamId))
      .reduce((sum, e) => sum + (e.data as { amount: number }).amount, 0);
    expect(pipeline.body.won.count).toBe(count('DealWon'));
    expect(pipeline.body.won.amount.EUR).toBeCloseTo(wonAmount, 2);
    const open = (pipeline.body.stages as { count: number }[]).reduce((n, s) => n + s.count, 0);
    expect(open).toBe(count('DealOpened') - count('DealWon'));

    // A clean rebuild equals the live read models (API stopped: the CLI reads the dir).
    expect((await api.stop()).graceful).toBe(true);
    const verify = await verifyDataDir(dataDir, CHILD_MASTER_KEY);
    expect({ code: verify.code, ok: verify.ok, stderr: verify.stderr }).toEqual({
      code: 0,
      ok: true,
      stderr: '',
    });
    // Each projection, and the figures maintained beside it (the same sums per key).
    expect(verify.projections.map((p) => p.projection).sort()).toEqual([
      'activities',
      'activities/activity-owners',
      'audit-trail',
      'campaign-attribution',
      'campaign-attribution/campaign-performance',
      'campaign-attribution/source-effectiveness',
      'campaigns',
      'customer-360',
      'customer-360/customer-rankings',
      'customer-360/first-contact-days',
      'customer-360/retention-cohorts',
      'sales-pipeline',
      'sales-pipeline/pipeline-owners',
      'service-cases',
      'service-cases/service-figures',
      'timeline',
    ]);
    for (const projection of verify.projections) {
      expect({
        name: projection.projection,
        reached: projection.position >= commandHead,
        differences: projection.differences,
      }).toEqual({ name: projection.projection, reached: true, differences: [] });
    }
  }
});
