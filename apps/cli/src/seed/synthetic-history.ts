import { newEvent, timeOrderedId, type AppendRequest, type EventStore } from '@rapport/event-store';
import {
  ACTIVITY_KINDS,
  activityDecider,
  CAMPAIGN_CHANNELS,
  campaignDecider,
  type CampaignCommand,
  type CampaignEvent,
  type CampaignResponse,
  type CampaignState,
  decideCampaignMembers,
  decideCampaignResponseWithCustomer,
  memberEligibility,
  decideActivityWithCustomer,
  type ActivityCommand,
  type ActivityState,
  CASE_OUTCOMES,
  caseDecider,
  caseStreamId,
  complaintStreamId,
  customerDecider,
  dealDecider,
  decideCaseWithCustomer,
  decideDealWithCustomer,
  DEFAULT_SLA_TARGETS,
  missedDeadline,
  REQUEST_TYPES,
  SLA_TARGET_KINDS,
  type CaseCommand,
  type CaseKind,
  type CaseState,
  CONTACT_CHANNELS,
  OPEN_DEAL_STAGES,
  type CustomerEvent,
  type CustomerState,
  type DealEvent,
  type DealState,
  type Sealed,
} from '@rapport/domain';

/** One command's worth of events, ready to append (one atomic append per command). */
export interface SyntheticCommand {
  customerId: string;
  at: string;
  streams: {
    streamId: string;
    expectedRevision: number;
    events: { type: string; schemaVersion: number; data: unknown }[];
  }[];
}

export interface SyntheticOptions {
  customers: number;
  /** First day of the history; it spans `days` days. */
  start: Date;
  days: number;
  /** Seals personal data (the CLI encrypts for real; benchmarks may use a stand-in). */
  seal: (customerId: string, text: string) => Sealed;
  /** Deterministic pseudo-random source in [0, 1). */
  random?: () => number;
  /** Marketing campaigns run during the history (default true). */
  campaigns?: boolean;
  /**
   * Planned interactions per client on average, beyond the few the ordinary steps plan: each is
   * scheduled, then done or called off at a later step, so a benchmark can ask for a dense agenda
   * (1,000,000 activities for 100,000 clients is 10). Absent, the history is exactly as before.
   */
  activitiesPerCustomer?: number;
}

/**
 * How members answer a campaign, per member: about a quarter open it, a few percent click,
 * fewer reply or register (attend, for events), and under one percent unsubscribe.
 */
const RESPONSE_RATES: readonly [CampaignResponse, number][] = [
  ['opened', 0.25],
  ['clicked', 0.04],
  ['replied', 0.01],
  ['registered', 0.015],
  ['attended', 0.01],
  ['unsubscribed', 0.006],
];
/** A campaign runs this long; one starts every CAMPAIGN_EVERY_DAYS of the history. */
const CAMPAIGN_DAYS = 30;
const CAMPAIGN_EVERY_DAYS = 45;

const FIRST = [
  'Ada',
  'Grace',
  'Alan',
  'Edsger',
  'Barbara',
  'Donald',
  'Frances',
  'John',
  'Margaret',
  'Ken',
  'Radia',
  'Tim',
];
const LAST = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Dijkstra',
  'Liskov',
  'Knuth',
  'Allen',
  'McCarthy',
  'Hamilton',
  'Thompson',
  'Perlman',
  'Berners-Lee',
];
const SOURCES = ['web', 'referral', 'trade-fair', 'partner', 'cold-call', 'campaign'];
const CURRENCIES = ['EUR', 'EUR', 'EUR', 'USD', 'GBP'];

/** A small, fast, seedable PRNG (mulberry32) so that histories are reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A realistic synthetic CRM history: every event is decided by the real deciders, so the
 * history obeys every business rule. Yields commands in time order per client; clients are
 * interleaved so the global log looks like a busy day.
 */
export function* syntheticHistory(options: SyntheticOptions): Generator<SyntheticCommand> {
  const random = options.random ?? seededRandom(42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const dayMs = 24 * 60 * 60 * 1000;
  const startMs = options.start.getTime();

  interface Client {
    id: string;
    state: CustomerState;
    revision: number;
    clock: number;
    steps: number;
    /** Agenda steps still to take (two per extra activity: plan it, then close it). */
    agenda: number;
    deals: { id: string; state: DealState; revision: number }[];
    cases: { id: string; kind: CaseKind; state: CaseState; revision: number }[];
    activities: { id: string; state: ActivityState; revision: number }[];
  }

  interface Campaign {
    id: string;
    state: CampaignState;
    revision: number;
    startMs: number;
    endMs: number;
    budget: number;
  }
  // Campaign outcomes draw from their own source, so their randomness is reproducible too.
  const chance = seededRandom(0x5eed);
  const campaigns: Campaign[] = [];
  const campaignCount =
    options.campaigns === false ? 0 : Math.max(1, Math.floor(options.days / CAMPAIGN_EVERY_DAYS));
  for (let k = 0; k < campaignCount; k++) {
    const campaignStart =
      startMs + Math.floor((k * options.days) / campaignCount) * dayMs + 9 * 3600_000;
    campaigns.push({
      id: timeOrderedUUIDFrom(chance, campaignStart),
      state: campaignDecider.initialState(),
      revision: -1,
      startMs: campaignStart,
      endMs: campaignStart + CAMPAIGN_DAYS * dayMs,
      budget: 2000 + Math.round(chance() * 18) * 1000,
    });
  }
  const campaignCommand = (
    campaign: Campaign,
    events: CampaignEvent[],
    at: string,
    client?: { id: string; stream?: ReturnType<typeof applyCustomer> },
  ): SyntheticCommand => {
    campaign.state = events.reduce(campaignDecider.evolve, campaign.state);
    const expected = campaign.revision;
    campaign.revision += events.length;
    const own = { streamId: `campaign-${campaign.id}`, expectedRevision: expected, events };
    return client
      ? {
          customerId: client.id,
          at,
          streams: client.stream && client.stream.events.length > 0 ? [own, client.stream] : [own],
        }
      : { customerId: campaign.id, at, streams: [own] };
  };
  const decideOn = (campaign: Campaign, command: CampaignCommand) =>
    campaignDecider.decide(command, campaign.state);
  // Plan and launch every campaign first (their business times say when they run); costs at
  // the launch, the rest at the close, which comes after the history.
  for (const campaign of campaigns) {
    const plannedAt = new Date(campaign.startMs - 7 * dayMs).toISOString();
    const launchedAt = new Date(campaign.startMs).toISOString();
    const data = { campaignId: campaign.id };
    yield campaignCommand(
      campaign,
      decideOn(campaign, {
        type: 'PlanCampaign',
        now: plannedAt,
        data: {
          ...data,
          name: `Campaign ${campaigns.indexOf(campaign) + 1}`,
          channel: CAMPAIGN_CHANNELS[campaigns.indexOf(campaign) % CAMPAIGN_CHANNELS.length]!,
          startsAt: launchedAt,
          endsAt: new Date(campaign.endMs).toISOString(),
          budget: { amount: campaign.budget, currency: 'EUR' },
        },
      }),
      plannedAt,
    );
    yield campaignCommand(
      campaign,
      decideOn(campaign, { type: 'LaunchCampaign', now: launchedAt, data }),
      launchedAt,
    );
    yield campaignCommand(
      campaign,
      decideOn(campaign, {
        type: 'RecordCampaignCost',
        now: launchedAt,
        data: { ...data, amount: Math.round(campaign.budget * 0.4), currency: 'EUR' },
      }),
      launchedAt,
    );
  }
  const runningAt = (ms: number) =>
    campaigns.filter((c) => c.startMs <= ms && ms <= c.endMs && c.state.status === 'launched');

  const clients: Client[] = [];
  const extraActivities = options.activitiesPerCustomer ?? 0;
  for (let i = 0; i < options.customers; i++) {
    const arrival =
      startMs +
      Math.floor(random() * options.days * 0.6) * dayMs +
      Math.floor(random() * 8 + 8) * 3600_000;
    const client: Client = {
      id: timeOrderedUUIDFrom(random, arrival),
      state: customerDecider.initialState(),
      revision: -1,
      clock: arrival,
      steps: 3 + Math.floor(random() * 12),
      agenda: 0,
      deals: [],
      cases: [],
      activities: [],
    };
    // Drawn only when asked for, so the default history stays the same draw for draw.
    if (extraActivities > 0) {
      client.agenda = 2 * Math.floor(random() * (2 * extraActivities + 1));
    }
    clients.push(client);
  }
  clients.sort((a, b) => a.clock - b.clock);

  const applyCustomer = (client: Client, events: CustomerEvent[]) => {
    client.state = events.reduce(customerDecider.evolve, client.state);
    const expected = client.revision;
    client.revision += events.length;
    return { streamId: `customer-${client.id}`, expectedRevision: expected, events };
  };

  // Round-robin over clients so the log interleaves them.
  // A client stays in the round while it has ordinary steps or agenda steps left.
  const busy = (c: Client) => c.steps > 0 || c.agenda > 0;
  let active = clients.filter(busy);
  while (active.length > 0) {
    for (const client of active) {
      const now = new Date(client.clock).toISOString();
      const ordinary = client.steps > 0;
      if (ordinary) {
        const marketing = campaignStep(client, now);
        const command = marketing ?? nextCommand(client, now);
        if (Array.isArray(command)) yield* command;
        else if (command) yield command;
        client.steps -= 1;
      }
      if (client.agenda > 0) {
        const status = client.state.status;
        const planned =
          status === 'none' || status === 'erased' ? undefined : planOrFollowUp(client, now, now);
        if (planned) yield planned;
        client.agenda -= 1;
      }
      // Once a client's ordinary story is told, its agenda moves on a few days at a time.
      client.clock += Math.floor((1 + random() * (ordinary ? 20 : 6)) * dayMs);
      if (client.clock > startMs + options.days * dayMs) {
        client.steps = 0;
        client.agenda = 0;
      }
    }
    active = active.filter(busy);
  }
  for (const campaign of campaigns) {
    const closedAt = new Date(campaign.endMs).toISOString();
    const data = { campaignId: campaign.id };
    yield campaignCommand(
      campaign,
      decideOn(campaign, {
        type: 'RecordCampaignCost',
        now: closedAt,
        data: {
          ...data,
          amount: Math.round(campaign.budget * (0.4 + chance() * 0.3)),
          currency: 'EUR',
        },
      }),
      closedAt,
    );
    yield campaignCommand(
      campaign,
      decideOn(campaign, { type: 'CloseCampaign', now: closedAt, data }),
      closedAt,
    );
  }

  /**
   * Marketing's part of a client's step: during a running campaign a client without a
   * decision may grant marketing consent; a client with a grant is added to the campaign
   * and answers it at the realistic rates (an unsubscribe revokes the consent).
   */
  function campaignStep(client: Client, now: string): SyntheticCommand[] | undefined {
    if (client.state.status === 'none' || client.state.status === 'erased') return undefined;
    const campaign = runningAt(client.clock).find(
      (c) => c.state.status !== 'none' && !c.state.members.has(client.id),
    );
    if (!campaign || chance() >= 0.5) return undefined;
    const commands: SyntheticCommand[] = [];
    const eligibility = memberEligibility(client.state, 'marketing');
    if (eligibility === 'no-consent') {
      const events = customerDecider.decide(
        {
          type: 'SetConsent',
          now,
          data: { customerId: client.id, purpose: 'marketing', granted: chance() < 0.7 },
        },
        client.state,
      );
      commands.push({ customerId: client.id, at: now, streams: [applyCustomer(client, events)] });
    }
    if (memberEligibility(client.state, 'marketing') !== 'eligible') {
      return commands.length > 0 ? commands : undefined;
    }
    const added = decideCampaignMembers(
      { now, campaignId: campaign.id, customerIds: [client.id] },
      campaign.state,
      new Map([[client.id, client.state]]),
    );
    commands.push(campaignCommand(campaign, added, now));
    let at = client.clock;
    for (const [response, rate] of RESPONSE_RATES) {
      if (chance() >= rate) continue;
      at += Math.floor(1 + chance() * 48) * 3600_000;
      if (at > campaign.endMs) break;
      const occurredAt = new Date(at).toISOString();
      const decision = decideCampaignResponseWithCustomer(
        {
          type: 'RecordCampaignResponse',
          now: occurredAt,
          data: {
            campaignId: campaign.id,
            customerId: client.id,
            response,
            occurredAt,
            graceDays: 14,
          },
        },
        campaign.state,
        client.state,
      );
      commands.push(
        campaignCommand(campaign, decision.campaign, occurredAt, {
          id: client.id,
          stream: applyCustomer(client, decision.customer),
        }),
      );
      if (response === 'unsubscribed') break;
    }
    return commands;
  }

  /** A third of the leads that arrive during a campaign came from it. */
  function leadSource(ms: number): { source: string; campaignId?: string } {
    const source = pick(SOURCES);
    const running = runningAt(ms);
    if (running.length === 0 || chance() >= 0.33) return { source };
    return { source: 'campaign', campaignId: running[Math.floor(chance() * running.length)]!.id };
  }

  /** One deal in ten opened during a campaign names it. */
  function dealCampaign(ms: number): { campaignId?: string } {
    const running = runningAt(ms);
    return running.length > 0 && chance() < 0.1 ? { campaignId: running[0]!.id } : {};
  }

  function nextCommand(
    client: Client,
    now: string,
  ): SyntheticCommand | SyntheticCommand[] | undefined {
    const customerId = client.id;
    const at = now;
    if (client.state.status === 'none') {
      const name = `${pick(FIRST)} ${pick(LAST)}`;
      const events = customerDecider.decide(
        {
          type: 'CreateLead',
          now,
          data: {
            customerId,
            name: options.seal(customerId, name),
            email: options.seal(
              customerId,
              `${name.toLowerCase().replace(/[^a-z]+/g, '.')}@example.com`,
            ),
            ...leadSource(client.clock),
            ownerId: `rep-${1 + Math.floor(random() * 8)}`,
          },
        },
        client.state,
      );
      return { customerId, at, streams: [applyCustomer(client, events)] };
    }
    if (client.state.status === 'erased') return undefined;
    const roll = random();
    const openDeal = client.deals.find((d) => d.state.status === 'open');
    if (roll < 0.12) return planOrFollowUp(client, now, at);
    if (roll < 0.4) {
      const direction = random() < 0.5 ? 'inbound' : 'outbound';
      const events = customerDecider.decide(
        {
          type: 'LogContact',
          now,
          data: {
            customerId,
            contactId: randomUUIDFrom(random),
            channel: pick(CONTACT_CHANNELS),
            direction,
            subject: options.seal(customerId, 'Follow-up'),
            ...(random() < 0.3 && {
              notes: options.seal(customerId, 'Discussed next steps and pricing'),
            }),
          },
        },
        client.state,
      );
      return { customerId, at, streams: [applyCustomer(client, events)] };
    }
    if (roll < 0.62 && !openDeal && client.state.status !== 'churned') {
      const deal = {
        id: timeOrderedUUIDFrom(random, Date.parse(now)),
        state: dealDecider.initialState(),
        revision: -1,
      };
      const events = decideDealWithCustomer(
        {
          type: 'OpenDeal',
          now,
          data: {
            dealId: deal.id,
            customerId,
            title: 'Subscription',
            amount: Math.round((200 + random() * 20_000) * 100) / 100,
            currency: pick(CURRENCIES),
            ...dealCampaign(client.clock),
          },
        },
        deal.state,
        client.state,
      );
      return withDeal(client, deal, events.deal, events.customer, at);
    }
    if (roll < 0.8 && openDeal) {
      const outcome = random();
      const command =
        outcome < 0.35
          ? ({
              type: 'ChangeDealStage',
              now,
              data: { dealId: openDeal.id, stage: nextStage(openDeal.state) },
            } as const)
          : outcome < 0.75
            ? ({ type: 'WinDeal', now, data: { dealId: openDeal.id } } as const)
            : ({
                type: 'LoseDeal',
                now,
                data: { dealId: openDeal.id, reason: pick(['price', 'timing', 'competitor']) },
              } as const);
      const events = decideDealWithCustomer(command, openDeal.state, client.state);
      return withDeal(client, openDeal, events.deal, events.customer, at);
    }
    if (roll < 0.88) return serviceCase(client, now, at);
    if (roll < 0.93) {
      const purpose = pick(['marketing', 'profiling']);
      const events = customerDecider.decide(
        { type: 'SetConsent', now, data: { customerId, purpose, granted: random() < 0.7 } },
        client.state,
      );
      return { customerId, at, streams: [applyCustomer(client, events)] };
    }
    if (roll < 0.97 && client.state.status !== 'churned') {
      const events = customerDecider.decide(
        {
          type: 'ChurnCustomer',
          now,
          data: { customerId, reason: pick(['price', 'service', 'moved', 'competitor']) },
        },
        client.state,
      );
      return { customerId, at, streams: [applyCustomer(client, events)] };
    }
    return undefined;
  }

  /**
   * Service: a case (a complaint or a request) is opened, then at later steps assigned,
   * answered, sometimes put on hold waiting on the client, resolved with an outcome and often
   * a satisfaction score; a few resolved ones are reopened. A deadline that passed between two
   * steps is recorded first, as the SLA processor would have (default SLA targets).
   */
  function serviceCase(
    client: Client,
    now: string,
    at: string,
  ): SyntheticCommand | SyntheticCommand[] {
    const customerId = client.id;
    const live = client.cases.find(
      (c) => c.state.status !== 'none' && c.state.status !== 'resolved',
    );
    const resolved = client.cases.filter((c) => c.state.status === 'resolved');
    let serviceCase: (typeof client.cases)[number];
    let command: CaseCommand;
    if (live && live.state.status !== 'none') {
      serviceCase = live;
      command = nextCaseCommand(live, now);
    } else if (resolved.length > 0 && random() < 0.15) {
      serviceCase = pick(resolved);
      command = {
        type: 'ReopenCase',
        now,
        data: { caseId: serviceCase.id, reason: options.seal(customerId, 'Not fixed after all') },
      };
    } else {
      const severity = pick(['low', 'medium', 'medium', 'high', 'critical'] as const);
      const kind: CaseKind = random() < 0.5 ? 'complaint' : 'request';
      serviceCase = {
        id: timeOrderedUUIDFrom(random, Date.parse(now)),
        kind,
        state: caseDecider.initialState(),
        revision: -1,
      };
      command =
        kind === 'complaint'
          ? {
              type: 'RaiseComplaint',
              now,
              data: {
                complaintId: serviceCase.id,
                customerId,
                category: pick(['billing', 'delivery', 'quality', 'support']),
                severity,
                description: options.seal(customerId, 'The client reported a problem'),
                sla: DEFAULT_SLA_TARGETS[severity],
              },
            }
          : {
              type: 'OpenServiceRequest',
              now,
              data: {
                caseId: serviceCase.id,
                customerId,
                requestType: pick(REQUEST_TYPES),
                subject: options.seal(customerId, 'Service request'),
                description: options.seal(customerId, 'The client asked for help'),
                severity,
                sla: DEFAULT_SLA_TARGETS[severity],
              },
            };
    }
    const opened = caseStep(client, serviceCase, command, at);
    if (command.type !== 'RaiseComplaint' && command.type !== 'OpenServiceRequest') return opened;
    // Service work happens within hours, not at the client's next step days later: the new
    // case is assigned, answered, maybe held and resolved the same day where it fits.
    const steps = [opened];
    let t = Date.parse(now);
    const until = t + 20 * 3600_000;
    for (;;) {
      t += Math.floor((0.1 + random() * 4) * 3600_000);
      if (t > until || serviceCase.state.status === 'resolved') break;
      const stepAt = new Date(t).toISOString();
      steps.push(caseStep(client, serviceCase, nextCaseCommand(serviceCase, stepAt), stepAt));
    }
    return steps;
  }

  /** What the case's next piece of work is at `now` (a missed deadline is recorded first). */
  function nextCaseCommand(live: { id: string; state: CaseState }, now: string): CaseCommand {
    const state = live.state;
    if (state.status === 'none') throw new Error(`case ${live.id} was never opened`);
    const { customerId } = state;
    const caseId = live.id;
    const missed = SLA_TARGET_KINDS.find(
      (target) => missedDeadline(state, target, state.cycle, now) !== undefined,
    );
    if (missed) {
      return {
        type: 'RecordSlaBreach',
        now,
        data: { caseId, target: missed, cycle: state.cycle },
      };
    } else if (state.assigneeId === null) {
      return {
        type: 'AssignCase',
        now,
        data: { caseId, assigneeId: `agent-${1 + Math.floor(random() * 6)}` },
      };
    } else if (state.firstRespondedAt === null) {
      return {
        type: 'RespondToCase',
        now,
        data: { caseId, message: options.seal(customerId, 'We are looking into it') },
      };
    } else if (state.status === 'waiting-on-customer') {
      return { type: 'ChangeCaseStatus', now, data: { caseId, status: 'in-progress' } };
    } else if (random() < 0.25) {
      return {
        type: 'ChangeCaseStatus',
        now,
        data: {
          caseId,
          status: state.status === 'open' ? 'in-progress' : 'waiting-on-customer',
        },
      };
    } else {
      return {
        type: 'ResolveCase',
        now,
        data: {
          caseId,
          resolution: options.seal(customerId, 'Resolved'),
          outcome: pick(CASE_OUTCOMES),
          ...(random() < 0.7 && { satisfaction: 1 + Math.floor(random() * 5) }),
        },
      };
    }
  }

  /** One command on a case, decided with its client, as the log takes it. */
  function caseStep(
    client: Client,
    serviceCase: Client['cases'][number],
    command: CaseCommand,
    at: string,
  ): SyntheticCommand {
    const customerId = client.id;
    const decision = decideCaseWithCustomer(command, serviceCase.state, client.state);
    if (!client.cases.includes(serviceCase)) client.cases.push(serviceCase);
    const expected = serviceCase.revision;
    serviceCase.state = decision.case.reduce(caseDecider.evolve, serviceCase.state);
    serviceCase.revision += decision.case.length;
    return {
      customerId,
      at,
      streams: [
        {
          streamId:
            serviceCase.kind === 'complaint'
              ? complaintStreamId(serviceCase.id)
              : caseStreamId(serviceCase.id),
          expectedRevision: expected,
          events: decision.case,
        },
        applyCustomer(client, decision.customer),
      ],
    };
  }

  /**
   * The agenda: a follow-up is planned a few days ahead; at a later step it is done (mostly
   * reached or not, as people's calls go), or called off.
   */
  function planOrFollowUp(client: Client, now: string, at: string): SyntheticCommand | undefined {
    const customerId = client.id;
    const planned = client.activities.find((a) => a.state.status === 'planned');
    const activity = planned ?? {
      id: timeOrderedUUIDFrom(random, Date.parse(now)),
      state: activityDecider.initialState(),
      revision: -1,
    };
    let command: ActivityCommand;
    if (!planned) {
      if (client.state.status === 'churned') return undefined;
      command = {
        type: 'ScheduleActivity',
        now,
        data: {
          activityId: activity.id,
          customerId,
          kind: pick(ACTIVITY_KINDS),
          subject: options.seal(customerId, 'Follow-up'),
          dueAt: new Date(Date.parse(now) + (1 + Math.floor(random() * 14)) * dayMs).toISOString(),
          ...(random() < 0.5 && { durationMinutes: pick([15, 30, 45, 60]) }),
        },
      };
    } else if (random() < 0.85) {
      command = {
        type: 'CompleteActivity',
        now,
        data: {
          activityId: activity.id,
          outcome: pick(['reached', 'reached', 'no-answer', 'left-message', 'done'] as const),
          contactId: randomUUIDFrom(random),
        },
      };
    } else {
      command = {
        type: 'CancelActivity',
        now,
        data: { activityId: activity.id, reason: pick(['postponed', 'no longer needed']) },
      };
    }
    const events = decideActivityWithCustomer(command, activity.state, client.state);
    if (!planned) client.activities.push(activity);
    const expected = activity.revision;
    activity.state = events.activity.reduce(activityDecider.evolve, activity.state);
    activity.revision += events.activity.length;
    return {
      customerId,
      at,
      streams: [
        {
          streamId: `activity-${activity.id}`,
          expectedRevision: expected,
          events: events.activity,
        },
        applyCustomer(client, events.customer),
      ],
    };
  }

  function withDeal(
    client: Client,
    deal: { id: string; state: DealState; revision: number },
    dealEvents: DealEvent[],
    customerEvents: CustomerEvent[],
    at: string,
  ): SyntheticCommand {
    if (!client.deals.includes(deal)) client.deals.push(deal);
    const expected = deal.revision;
    deal.state = dealEvents.reduce(dealDecider.evolve, deal.state);
    deal.revision += dealEvents.length;
    return {
      customerId: client.id,
      at,
      streams: [
        { streamId: `deal-${deal.id}`, expectedRevision: expected, events: dealEvents },
        applyCustomer(client, customerEvents),
      ],
    };
  }

  function nextStage(state: DealState) {
    const current = state.status === 'none' ? 'qualification' : state.stage;
    const next =
      OPEN_DEAL_STAGES[(OPEN_DEAL_STAGES.indexOf(current) + 1) % OPEN_DEAL_STAGES.length]!;
    return next;
  }
}

/**
 * A UUID v7 from the seeded source and the business time of the record's creation, as the API
 * mints ids (time-ordered, see timeOrderedId): a seed reproduces the same ids, and its clients,
 * deals and activities sit in the store's indexes as the API's would.
 */
function timeOrderedUUIDFrom(random: () => number, atMs: number): string {
  const uuid = randomUUIDFrom(random);
  const time = atMs.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${uuid.slice(15)}`;
}

/** A UUID v4 from the seeded source, so that a seed reproduces the same ids. */
function randomUUIDFrom(random: () => number): string {
  const bytes = Array.from({ length: 16 }, () => Math.floor(random() * 256));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Appends a synthetic history in batches: each batch of commands is first settled (its
 * personal data sealed, one key-store transaction for the batch's new clients), then appended
 * with the store's appendBatch: one atomic append per command (each with its own commandId and
 * expected revisions, as the API would), in the history's order, in one transaction. Returns
 * the events written; a refused append (a bug in the history) stops the seed with its error.
 */
export async function appendSynthetic(
  store: EventStore,
  commands: Iterable<SyntheticCommand>,
  options: {
    /** Commands per batch (one store transaction each). */
    batchSize?: number;
    /** Turns a batch's placeholders into sealed values (see DeferredSeal); none by default. */
    settle?: (batch: SyntheticCommand[]) => Promise<SyntheticCommand[]>;
    source?: string;
    onProgress?: (events: number) => void;
  } = {},
): Promise<number> {
  const batchSize = options.batchSize ?? 1000;
  let written = 0;
  const appendBatch = async (batch: SyntheticCommand[]) => {
    const settled = options.settle ? await options.settle(batch) : batch;
    const { failed } = await store.appendBatch(
      settled.map((command) => appendRequest(command, options.source)),
    );
    if (failed) throw failed.error;
    written += settled.reduce(
      (n, command) => n + command.streams.reduce((m, s) => m + s.events.length, 0),
      0,
    );
    options.onProgress?.(written);
  };
  let batch: SyntheticCommand[] = [];
  for (const command of commands) {
    batch.push(command);
    if (batch.length >= batchSize) {
      await appendBatch(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await appendBatch(batch);
  return written;
}

function appendRequest(command: SyntheticCommand, source = 'seed'): AppendRequest {
  const commandId = timeOrderedId();
  return {
    commandId,
    streams: command.streams.map((stream) => ({
      streamId: stream.streamId,
      expectedRevision: stream.expectedRevision === -1 ? 'no-stream' : stream.expectedRevision,
      events: stream.events.map((event) =>
        newEvent(event, {
          customerId: command.customerId,
          actor: { id: 'seed', roles: ['service'], kind: 'service' },
          correlationId: commandId,
          commandId,
          source,
          // Business time: when the history says it happened, as an import's occurredAt.
          occurredAt: command.at,
        }),
      ),
    })),
  };
}
