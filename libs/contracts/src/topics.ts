/**
 * Kafka topics of the distributed profile. See docs/asyncapi.yaml for the full contract.
 */
export const TOPICS = {
  /** Every client, deal and complaint event; key = customerId, value = the event envelope. */
  customerEvents: 'crm.customer-events',
  /** Views of client data and access denials; key = customerId (or "access" for none). */
  auditEvents: 'crm.audit-events',
  /** Commands from internal systems (see IngestMessage). */
  ingest: 'crm.ingest',
  /** Ingest messages that were refused, with the reason. */
  ingestDeadLetters: 'crm.ingest.dlq',
  /** The answer to each executed ingest message (as POST /ingest answers it). */
  ingestReplies: 'crm.ingest.replies',
} as const;

export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

/** Partitions created for the event topics: the most projector instances that can share the work. */
export const DEFAULT_PARTITIONS = 12;

/**
 * The physical name of a topic: CRM_KAFKA_TOPIC_PREFIX lets several environments (or test
 * runs) share one Kafka cluster, e.g. "staging." + "crm.customer-events".
 */
export function topicName(topic: Topic, prefix = ''): string {
  return `${prefix}${topic}`;
}

/**
 * The event topics keep everything (retention.ms = -1): a projector rebuild reads them from
 * the beginning, as a new consumer group.
 */
export const EVENT_TOPIC_CONFIG: Readonly<Record<string, string>> = { 'retention.ms': '-1' };

/**
 * The topic an event of the log is published on: audit events (streams audit-...) on the
 * audit topic, every other event on the customer topic. The change feed and the webhooks
 * carry what the customer topic carries.
 */
export function topicOf(streamId: string): Topic {
  return streamId.startsWith('audit-') ? TOPICS.auditEvents : TOPICS.customerEvents;
}
