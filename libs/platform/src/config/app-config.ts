import { createHash } from 'node:crypto';
import {
  CASE_SEVERITIES,
  DEFAULT_SLA_TARGETS,
  isIsoCurrency,
  MAX_SLA_HOURS,
  OPEN_DEAL_STAGES,
  type CaseSeverity,
  type DealStage,
  type SlaTarget,
  type SlaTargets,
} from '@rapport/domain';
import { isRole, type Role } from '../auth/permissions';
import { LOG_FORMATS, type LogFormat } from '../logging/logger';

/** How CRM_API_KEYS marks a key given as the SHA-256 of the token rather than the token. */
export const HASHED_API_KEY_PREFIX = 'sha256:';

export interface ApiKeyGrant {
  actor: string;
  roles: Role[];
}

/** What an HS256 JWT must satisfy besides its signature (CRM_JWT_*). */
export interface JwtPolicy {
  secret: string;
  /** Accepted iss values; empty: iss is not checked. */
  issuers: string[];
  /** Accepted aud values (the token's aud must name one); empty: aud is not checked. */
  audiences: string[];
  /** Longest accepted validity: exp - iat, and exp - now, may not exceed it. */
  maxLifetimeSeconds: number;
}

export const DEFAULT_JWT_MAX_LIFETIME_SECONDS = 24 * 60 * 60;

export interface AppConfig {
  /** embedded: SQLite + in-process relay; distributed: any of EventStoreDB/Kafka/MongoDB set. */
  profile: 'embedded' | 'distributed';
  port: number;
  host: string;
  dataDir: string;
  eventStoreUrl?: string;
  kafkaBrokers?: string[];
  /** Prepended to every topic name (several environments on one cluster). */
  kafkaTopicPrefix: string;
  mongoUrl?: string;
  /** Database of the read models and keys in MongoDB. */
  mongoDatabase: string;
  /** Keyed by the token itself, or by "sha256:<hex>" of the token (lower-case hex). */
  apiKeys: Record<string, ApiKeyGrant>;
  /** Set when CRM_JWT_SECRET is: JWTs are accepted. */
  jwt?: JwtPolicy;
  /** Raw CRM_MASTER_KEY; parsed by libs/privacy. */
  masterKey?: string;
  /**
   * Raw CRM_MASTER_KEY_PREVIOUS: during a master key rotation, the key being replaced, so
   * keys not re-wrapped yet stay readable. Unset once `rapport keys rotate` has completed.
   */
  previousMasterKey?: string;
  /** Seal an AuditCheckpointSealed after this many events (CRM_AUDIT_SEAL_EVERY_EVENTS; 0: never by count). */
  auditSealEveryEvents: number;
  /** ... or after this many minutes with new events (CRM_AUDIT_SEAL_EVERY_MINUTES; 0: never by time). */
  auditSealEveryMinutes: number;
  /** How often the API verifies new events of the chain (CRM_AUDIT_VERIFY_INTERVAL_MS). */
  auditVerifyIntervalMs: number;
  defaultCurrency: string;
  /** IANA time zone in which an agenda's "today" is a day (CRM_TIME_ZONE, default UTC). */
  timeZone: string;
  bodyLimitBytes: number;
  logLevel: string;
  /** LOG_FORMAT: auto (pretty at a terminal, JSON otherwise), json or pretty. */
  logFormat: LogFormat;
  sqliteSynchronous: 'FULL' | 'NORMAL';
  /**
   * SQLite page cache, in MiB, of each read-model connection of the API (its queries, its
   * embedded projector): what it holds is in the process's memory, what it does not is read
   * from the OS file cache (CRM_SQLITE_READ_CACHE_MIB, default 16).
   */
  sqliteReadCacheMiB: number;
  stageProbabilities: Record<DealStage, number>;
  /** Hours to first response and to resolution per case severity (CRM_SLA_TARGETS). */
  slaTargets: SlaTargets;
  /** How often the SLA deadline processor looks for missed deadlines (CRM_SLA_CHECK_INTERVAL_MS). */
  slaCheckIntervalMs: number;
  /**
   * Pause between two batches of a side-by-side rebuild (CRM_REBUILD_PAUSE_MS, default 0): an
   * operator throttles a rebuild so the live projections and queries keep the machine.
   */
  rebuildPauseMs: number;
  /**
   * Events a live projector that is behind applies in memory between two commits
   * (CRM_CATCH_UP_FLUSH_EVENTS, default 20,000): more catches up faster, fewer holds less
   * memory while catching up.
   */
  catchUpFlushEvents: number;
  /**
   * The embedded projector's read-model page cache in MiB while it catches up
   * (CRM_CATCH_UP_CACHE_MIB, default 128, a rebuild's; the serving cache if that is larger):
   * more catches up faster, less keeps the API's memory lower afterwards.
   */
  catchUpCacheMiB: number;
  /** Port of GET /health and /metrics for the relay and projector processes. */
  healthPort?: number;
  /** Requests per actor per minute; 0 disables the limit. */
  rateLimitPerMinute: number;
  /**
   * Seconds the projection watermark may stand still while events wait before the pipeline
   * counts as stalled (projector and API health turn unhealthy; the projector restarts its
   * consumer).
   */
  projectorStallSeconds: number;
  /** GET /events and webhooks (issue 18, "Consuming services"). */
  consumers: ConsumerSettings;
  /** MongoDB socket timeout: an operation whose answer never comes fails after this long. */
  mongoSocketTimeoutMs: number;
  /** Days after a campaign's close during which responses are still taken. */
  campaignResponseGraceDays: number;
}

/** CRM_CAMPAIGN_RESPONSE_GRACE_DAYS' default: responses are taken two weeks after a close. */
export const DEFAULT_CAMPAIGN_RESPONSE_GRACE_DAYS = 14;
/** Change feed and webhook settings (docs/consuming-services.md). */
export interface ConsumerSettings {
  /** Bytes an SSE reader may have waiting in its socket before the stream stops reading the log. */
  streamBufferBytes: number;
  /** How long an SSE reader may leave its buffer full before it is disconnected. */
  slowReaderTimeoutMs: number;
  /** Hosts webhooks may reach although they are not public https addresses (e.g. 127.0.0.1). */
  webhookAllowHosts: string[];
  /** Timeout of one delivery attempt. */
  webhookTimeoutMs: number;
  /** Attempts before a delivery is dead-lettered. */
  webhookMaxAttempts: number;
  /** First retry delay; doubled per attempt (with jitter) up to webhookRetryMaxMs. */
  webhookRetryBaseMs: number;
  webhookRetryMaxMs: number;
  /** How long the previous secret still signs deliveries after a rotation. */
  webhookSecretOverlapSeconds: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n- ${problems.join('\n- ')}`);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_STAGE_PROBABILITIES: Record<DealStage, number> = {
  qualification: 0.1,
  proposal: 0.4,
  negotiation: 0.7,
};

/** Reads and checks every setting at once, so a misconfiguration lists all its problems. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const optional = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };

  const list = (name: string): string[] =>
    (optional(name) ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);

  const apiKeys = parseApiKeys(env.CRM_API_KEYS, problems);
  const jwtSecret = optional('CRM_JWT_SECRET');
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    problems.push('CRM_JWT_SECRET must be at least 32 characters (HS256 needs a 256-bit secret)');
  }
  const jwtIssuers = list('CRM_JWT_ISSUER');
  const jwtAudiences = list('CRM_JWT_AUDIENCE');
  const jwtMaxLifetimeSeconds = integer(
    'CRM_JWT_MAX_LIFETIME_SECONDS',
    DEFAULT_JWT_MAX_LIFETIME_SECONDS,
    1,
    366 * 24 * 60 * 60,
  );
  if (jwtSecret === undefined) {
    for (const name of ['CRM_JWT_ISSUER', 'CRM_JWT_AUDIENCE', 'CRM_JWT_MAX_LIFETIME_SECONDS']) {
      if (optional(name) !== undefined) problems.push(`${name} is set but CRM_JWT_SECRET is not`);
    }
  }

  const defaultCurrency = optional('CRM_DEFAULT_CURRENCY') ?? 'EUR';
  if (!isIsoCurrency(defaultCurrency)) {
    problems.push(`CRM_DEFAULT_CURRENCY "${defaultCurrency}" is not an ISO 4217 code`);
  }

  const timeZone = optional('CRM_TIME_ZONE') ?? 'UTC';
  if (!isTimeZone(timeZone)) {
    problems.push(`CRM_TIME_ZONE "${timeZone}" is not an IANA time zone such as Europe/Berlin`);
  }

  const synchronous = (optional('CRM_SQLITE_SYNCHRONOUS') ?? 'FULL').toUpperCase();
  if (synchronous !== 'FULL' && synchronous !== 'NORMAL') {
    problems.push('CRM_SQLITE_SYNCHRONOUS must be FULL or NORMAL');
  }

  const eventStoreUrl = optional('CRM_EVENT_STORE_URL');
  const mongoUrl = optional('CRM_MONGO_URL');
  const brokers = optional('CRM_KAFKA_BROKERS')
    ?.split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers?.some((b) => !/^[^:\s]+:\d+$/.test(b))) {
    problems.push('CRM_KAFKA_BROKERS must be a comma-separated list of host:port');
  }

  const config: AppConfig = {
    profile: eventStoreUrl || mongoUrl || brokers?.length ? 'distributed' : 'embedded',
    port: integer('PORT', 3000, 0, 65535),
    host: optional('HOST') ?? '127.0.0.1',
    dataDir: optional('CRM_DATA_DIR') ?? './data',
    ...(eventStoreUrl && { eventStoreUrl }),
    ...(brokers?.length && { kafkaBrokers: brokers }),
    kafkaTopicPrefix: optional('CRM_KAFKA_TOPIC_PREFIX') ?? '',
    ...(mongoUrl && { mongoUrl }),
    mongoDatabase: optional('CRM_MONGO_DB') ?? 'rapport',
    apiKeys,
    ...(jwtSecret && {
      jwt: {
        secret: jwtSecret,
        issuers: jwtIssuers,
        audiences: jwtAudiences,
        maxLifetimeSeconds: jwtMaxLifetimeSeconds,
      },
    }),
    ...(optional('CRM_MASTER_KEY') && { masterKey: optional('CRM_MASTER_KEY') }),
    ...(optional('CRM_MASTER_KEY_PREVIOUS') && {
      previousMasterKey: optional('CRM_MASTER_KEY_PREVIOUS'),
    }),
    auditSealEveryEvents: integer('CRM_AUDIT_SEAL_EVERY_EVENTS', 10_000, 0, 100_000_000),
    auditSealEveryMinutes: integer('CRM_AUDIT_SEAL_EVERY_MINUTES', 60, 0, 525_600),
    auditVerifyIntervalMs: integer('CRM_AUDIT_VERIFY_INTERVAL_MS', 10_000, 10, 86_400_000),
    defaultCurrency,
    timeZone,
    bodyLimitBytes: integer('CRM_BODY_LIMIT_BYTES', 64 * 1024, 1024, 16 * 1024 * 1024),
    logLevel: optional('LOG_LEVEL') ?? 'info',
    logFormat: (optional('LOG_FORMAT') ?? 'auto') as LogFormat,
    sqliteSynchronous: synchronous === 'NORMAL' ? 'NORMAL' : 'FULL',
    sqliteReadCacheMiB: integer('CRM_SQLITE_READ_CACHE_MIB', 16, 1, 65_536),
    stageProbabilities: parseStageProbabilities(env.CRM_STAGE_PROBABILITIES, problems),
    slaTargets: parseSlaTargets(env.CRM_SLA_TARGETS, problems),
    slaCheckIntervalMs: integer('CRM_SLA_CHECK_INTERVAL_MS', 5_000, 10, 3_600_000),
    rebuildPauseMs: integer('CRM_REBUILD_PAUSE_MS', 0, 0, 60_000),
    catchUpFlushEvents: integer('CRM_CATCH_UP_FLUSH_EVENTS', 20_000, 500, 1_000_000),
    catchUpCacheMiB: integer('CRM_CATCH_UP_CACHE_MIB', 128, 1, 65_536),
    rateLimitPerMinute: integer('CRM_RATE_LIMIT_PER_MINUTE', 0, 0, 10_000_000),
    projectorStallSeconds: integer('CRM_PROJECTOR_STALL_SECONDS', 60, 1, 86_400),
    mongoSocketTimeoutMs: integer('CRM_MONGO_SOCKET_TIMEOUT_MS', 60_000, 100, 3_600_000),
    campaignResponseGraceDays: integer(
      'CRM_CAMPAIGN_RESPONSE_GRACE_DAYS',
      DEFAULT_CAMPAIGN_RESPONSE_GRACE_DAYS,
      0,
      3650,
    ),
    ...(env.HEALTH_PORT && { healthPort: integer('HEALTH_PORT', 0, 0, 65535) }),
    consumers: {
      streamBufferBytes: integer(
        'CRM_FEED_STREAM_BUFFER_BYTES',
        1024 * 1024,
        1024,
        256 * 1024 * 1024,
      ),
      slowReaderTimeoutMs: integer('CRM_FEED_SLOW_READER_TIMEOUT_MS', 30_000, 10, 3_600_000),
      webhookAllowHosts: list('CRM_WEBHOOK_ALLOW_HOSTS').map((host) => host.toLowerCase()),
      webhookTimeoutMs: integer('CRM_WEBHOOK_TIMEOUT_MS', 10_000, 10, 300_000),
      webhookMaxAttempts: integer('CRM_WEBHOOK_MAX_ATTEMPTS', 8, 1, 100),
      webhookRetryBaseMs: integer('CRM_WEBHOOK_RETRY_BASE_MS', 5_000, 1, 3_600_000),
      webhookRetryMaxMs: integer('CRM_WEBHOOK_RETRY_MAX_MS', 3_600_000, 1, 86_400_000),
      webhookSecretOverlapSeconds: integer(
        'CRM_WEBHOOK_SECRET_OVERLAP_SECONDS',
        86_400,
        0,
        31_622_400,
      ),
    },
  };
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(config.logLevel)) {
    problems.push('LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent');
  }
  if (!LOG_FORMATS.includes(config.logFormat)) {
    problems.push('LOG_FORMAT must be auto, json or pretty');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function parseApiKeys(raw: string | undefined, problems: string[]): Record<string, ApiKeyGrant> {
  if (raw === undefined || raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    problems.push(
      'CRM_API_KEYS must be JSON: {"<token> or sha256:<hex of its SHA-256>": {"actor": "<id>", "roles": ["sales"]}}',
    );
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push('CRM_API_KEYS must be a JSON object keyed by token');
    return {};
  }
  const keys: Record<string, ApiKeyGrant> = Object.create(null) as Record<string, ApiKeyGrant>;
  const digests = new Set<string>();
  for (const [configured, grant] of Object.entries(parsed as Record<string, unknown>)) {
    const g = grant as { actor?: unknown; roles?: unknown };
    let token = configured;
    if (configured.startsWith(HASHED_API_KEY_PREFIX)) {
      const hex = configured.slice(HASHED_API_KEY_PREFIX.length);
      if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
        problems.push(
          `CRM_API_KEYS: a "${HASHED_API_KEY_PREFIX}" key must be followed by the 64 hex digits of the token's SHA-256 (actor ${String(g?.actor)})`,
        );
        continue;
      }
      token = `${HASHED_API_KEY_PREFIX}${hex.toLowerCase()}`;
    } else if (token.length < 16) {
      problems.push(
        `CRM_API_KEYS: a token must be at least 16 characters (actor ${String(g?.actor)})`,
      );
      continue;
    }
    if (typeof g?.actor !== 'string' || g.actor.length === 0) {
      problems.push('CRM_API_KEYS: every token needs an "actor"');
      continue;
    }
    if (!Array.isArray(g.roles) || g.roles.length === 0 || !g.roles.every(isRole)) {
      problems.push(`CRM_API_KEYS: roles of ${g.actor} must be a non-empty list of known roles`);
      continue;
    }
    const tokenDigest = token.startsWith(HASHED_API_KEY_PREFIX)
      ? token.slice(HASHED_API_KEY_PREFIX.length)
      : createHash('sha256').update(token, 'utf8').digest('hex');
    if (digests.has(tokenDigest)) {
      problems.push(
        `CRM_API_KEYS: a key of ${g.actor} is given twice (a token and its sha256, or one hash twice)`,
      );
      continue;
    }
    digests.add(tokenDigest);
    keys[token] = { actor: g.actor, roles: g.roles as Role[] };
  }
  return keys;
}

function parseStageProbabilities(
  raw: string | undefined,
  problems: string[],
): Record<DealStage, number> {
  if (raw === undefined || raw.trim() === '') return { ...DEFAULT_STAGE_PROBABILITIES };
  const result = { ...DEFAULT_STAGE_PROBABILITIES };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    problems.push('CRM_STAGE_PROBABILITIES must be JSON, e.g. {"qualification":0.1}');
    return result;
  }
  for (const [stage, probability] of Object.entries(parsed as Record<string, unknown>)) {
    if (!(OPEN_DEAL_STAGES as readonly string[]).includes(stage)) {
      problems.push(`CRM_STAGE_PROBABILITIES: unknown stage "${stage}"`);
    } else if (typeof probability !== 'number' || probability < 0 || probability > 1) {
      problems.push(`CRM_STAGE_PROBABILITIES: ${stage} must be a number from 0 to 1`);
    } else {
      result[stage as DealStage] = probability;
    }
  }
  return result;
}

const SLA_EXAMPLE = '{"critical":{"firstResponseHours":1,"resolutionHours":8}}';

/**
 * CRM_SLA_TARGETS: a JSON object by severity (low, medium, high, critical) of
 * {firstResponseHours, resolutionHours}; severities left out keep their defaults.
 */
export function parseSlaTargets(raw: string | undefined, problems: string[]): SlaTargets {
  const result: Record<CaseSeverity, SlaTarget> = { ...DEFAULT_SLA_TARGETS };
  if (raw === undefined || raw.trim() === '') return result;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    problems.push(`CRM_SLA_TARGETS must be JSON, e.g. ${SLA_EXAMPLE}`);
    return result;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    problems.push(`CRM_SLA_TARGETS must be a JSON object by severity, e.g. ${SLA_EXAMPLE}`);
    return result;
  }
  const hours = (value: unknown) =>
    typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= MAX_SLA_HOURS;
  for (const [severity, target] of Object.entries(parsed as Record<string, unknown>)) {
    if (!(CASE_SEVERITIES as readonly string[]).includes(severity)) {
      problems.push(
        `CRM_SLA_TARGETS: unknown severity "${severity}" (use ${CASE_SEVERITIES.join(', ')})`,
      );
      continue;
    }
    const { firstResponseHours, resolutionHours, ...rest } = (target ?? {}) as Record<
      string,
      unknown
    >;
    if (typeof target !== 'object' || target === null || Object.keys(rest).length > 0) {
      problems.push(
        `CRM_SLA_TARGETS: ${severity} must be {"firstResponseHours": h, "resolutionHours": h}`,
      );
    } else if (!hours(firstResponseHours) || !hours(resolutionHours)) {
      problems.push(
        `CRM_SLA_TARGETS: ${severity} needs firstResponseHours and resolutionHours, each a number of hours above 0 and at most ${MAX_SLA_HOURS}`,
      );
    } else if ((firstResponseHours as number) > (resolutionHours as number)) {
      problems.push(
        `CRM_SLA_TARGETS: ${severity} firstResponseHours must not exceed resolutionHours`,
      );
    } else {
      result[severity as CaseSeverity] = {
        firstResponseHours: firstResponseHours as number,
        resolutionHours: resolutionHours as number,
      };
    }
  }
  return result;
}

/** Whether the runtime knows this IANA time zone name (e.g. Europe/Berlin, UTC). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return name.length > 0 && name.length <= 64;
  } catch {
    return false;
  }
}
