import type { Type } from '@nestjs/common';
import type { ClassConstructor } from 'class-transformer';
import type { IngestCommandType } from '@rapport/contracts';
import type { CrmAggregate, SlaTargets } from '@rapport/domain';
import type { EventStore } from '@rapport/event-store';
import type { Permission } from '@rapport/platform';
import type { CommandContext } from './command-context';
import type { Decision, DecisionTools } from './command-executor';
import type { CommandResult } from './command-result';

/** The records a path's `:id` (or an ingest message's targetId) can name: the aggregates. */
export type RecordKind = CrmAggregate;

export interface CommandInput<Body> {
  /** The record the path's :id names; for a command that creates its target, the new id. */
  id: string;
  /** For a command that creates a record under its target (a deal of a client), the new id. */
  newId: string;
  body: Body;
  context: CommandContext;
}

/** What a definition's decision may use: the executor's tools and the settings it needs. */
export interface DefinitionTools extends DecisionTools {
  /** CRM_SLA_TARGETS: what a new service case of each severity is promised. */
  slaTargets: SlaTargets;
  /** CRM_CAMPAIGN_RESPONSE_GRACE_DAYS: how long after its close a campaign takes responses. */
  campaignResponseGraceDays: number;
}

/** What an answer may read beyond the command's result (an erasure's receipt). */
export interface AnswerTools {
  eventStore: EventStore;
}

/**
 * Everything about one command, in one place: its route, body, permission, how it maps to the
 * domain and what it answers. The HTTP routes, the ingest routes (HTTP and Kafka), the OpenAPI
 * document and the test tables (e2e, access matrix, fuzzing) are all read from these
 * definitions, so a command cannot exist on one path and be missing from another.
 */
export interface CommandDefinition<
  Body extends object,
  Name extends IngestCommandType = IngestCommandType,
> {
  /** The command's name: ingest `command`, metric label, OpenAPI operation id. */
  name: Name;
  summary: string;
  http: {
    method: 'POST' | 'PATCH';
    /** With `:id` for the record addressed; none for a command that creates its target. */
    path: string;
    /** 201 unless the command changes a resource in place (PATCH: 200). */
    status: 200 | 201;
    tag: string;
  };
  /** What `:id` / targetId names (for a creation without `:id`: what is created). */
  target: RecordKind;
  /** A command that creates a record: the body field in which a caller may choose its id. */
  newRecord?: { kind: RecordKind; idField: keyof Body & string };
  permission: Permission;
  /** class-validator DTO: the body's rules and the OpenAPI schema. */
  body: ClassConstructor<Body>;
  /** OpenAPI: the answer's shape (CommandResponse unless given). */
  response?: Type<unknown>;
  /** Only a client's creation may create their data key. */
  createsKey?: boolean;
  /** From the validated input to the decision; everything it does besides loading is pure. */
  decide(input: CommandInput<Body>, tools: DefinitionTools): Promise<Decision>;
  /** More answer fields (the erasure receipt). */
  answer?(
    result: CommandResult,
    input: CommandInput<Body>,
    tools: AnswerTools,
  ): Promise<Record<string, unknown>>;
  /** The Location header of a created record. */
  location?(result: CommandResult): string;
}

// Definitions of different body types are listed together.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommandDefinition = CommandDefinition<any>;

/** Keeps a definition's body type and name while checking it against the interface. */
export const defineCommand = <Body extends object, const Name extends IngestCommandType>(
  definition: CommandDefinition<Body, Name>,
): CommandDefinition<Body, Name> => definition;

/** Whether the command's path names an existing record (`:id`). */
export const addressesRecord = (definition: AnyCommandDefinition): boolean =>
  definition.http.path.includes(':id');
