import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validate } from 'class-validator';
import type { IngestCommandType } from '@rapport/contracts';
import type { Actor } from '@rapport/domain';
import { ApiError } from '@rapport/platform';
import { canonicalJson, type CommandContext } from '../commands/command-context';
import type { CommandResult } from '../commands/command-result';
import { RaiseComplaintDto, ResolveComplaintDto } from '../commands/complaints/complaint.dto';
import {
  RaiseComplaintCommand,
  ResolveComplaintCommand,
} from '../commands/complaints/complaint.handlers';
import {
  AssignOwnerDto,
  ChurnCustomerDto,
  CreateLeadDto,
  LogContactDto,
  SetConsentDto,
} from '../commands/customers/customer.dto';
import {
  AssignOwnerCommand,
  ChurnCustomerCommand,
  CreateLeadCommand,
  LogContactCommand,
  SetConsentCommand,
} from '../commands/customers/customer.handlers';
import {
  ChangeDealStageDto,
  LoseDealDto,
  OpenDealDto,
  WinDealDto,
} from '../commands/deals/deal.dto';
import {
  ChangeDealStageCommand,
  LoseDealCommand,
  OpenDealCommand,
  WinDealCommand,
} from '../commands/deals/deal.handlers';
import { assertPlainJson, flattenValidationErrors } from '../http/validation';
import { CLOCK, type Clock } from '../infrastructure/tokens';
import { IngestMessageDto } from './ingest.dto';

interface Route {
  dto: ClassConstructor<object>;
  /** Whether targetId is required (every command but CreateLead). */
  target: boolean;
  command: (targetId: string, data: never, context: CommandContext) => object;
}

/** Each ingest command and the HTTP command it is: same DTO, same handler. */
const ROUTES: Record<IngestCommandType, Route> = {
  CreateLead: {
    dto: CreateLeadDto,
    target: false,
    command: (id, data: CreateLeadDto, ctx) =>
      new CreateLeadCommand(data.customerId?.toLowerCase() ?? id, data, ctx),
  },
  LogContact: {
    dto: LogContactDto,
    target: true,
    command: (id, data: LogContactDto, ctx) => new LogContactCommand(id, data, ctx),
  },
  ChurnCustomer: {
    dto: ChurnCustomerDto,
    target: true,
    command: (id, data: ChurnCustomerDto, ctx) => new ChurnCustomerCommand(id, data, ctx),
  },
  SetConsent: {
    dto: SetConsentDto,
    target: true,
    command: (id, data: SetConsentDto, ctx) => new SetConsentCommand(id, data, ctx),
  },
  AssignOwner: {
    dto: AssignOwnerDto,
    target: true,
    command: (id, data: AssignOwnerDto, ctx) => new AssignOwnerCommand(id, data, ctx),
  },
  OpenDeal: {
    dto: OpenDealDto,
    target: true,
    command: (id, data: OpenDealDto, ctx) =>
      new OpenDealCommand(id, data.dealId?.toLowerCase() ?? randomUUID(), data, ctx),
  },
  ChangeDealStage: {
    dto: ChangeDealStageDto,
    target: true,
    command: (id, data: ChangeDealStageDto, ctx) => new ChangeDealStageCommand(id, data, ctx),
  },
  WinDeal: {
    dto: WinDealDto,
    target: true,
    command: (id, data: WinDealDto, ctx) => new WinDealCommand(id, data, ctx),
  },
  LoseDeal: {
    dto: LoseDealDto,
    target: true,
    command: (id, data: LoseDealDto, ctx) => new LoseDealCommand(id, data, ctx),
  },
  RaiseComplaint: {
    dto: RaiseComplaintDto,
    target: true,
    command: (id, data: RaiseComplaintDto, ctx) =>
      new RaiseComplaintCommand(id, data.complaintId?.toLowerCase() ?? randomUUID(), data, ctx),
  },
  ResolveComplaint: {
    dto: ResolveComplaintDto,
    target: true,
    command: (id, data: ResolveComplaintDto, ctx) => new ResolveComplaintCommand(id, data, ctx),
  },
};

async function validated<T extends object>(
  dto: ClassConstructor<T>,
  value: unknown,
  prefix: string,
): Promise<T> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ApiError(
      400,
      'VALIDATION_FAILED',
      `${prefix || 'the message'} must be a JSON object`,
    );
  }
  const instance = plainToInstance(dto, value);
  const errors = await validate(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  if (errors.length > 0) {
    const fields = flattenValidationErrors(errors, prefix);
    throw new ApiError(
      400,
      'VALIDATION_FAILED',
      `invalid message: ${fields.map((f) => f.field).join(', ')}`,
      { fields },
    );
  }
  return instance;
}

/**
 * Commands from internal systems, by HTTP (POST /ingest) or Kafka (crm.ingest): validated
 * exactly like the HTTP commands they stand for and executed by the same handlers, with the
 * message's idempotency key scoped to the sending system.
 */
@Injectable()
export class IngestService {
  constructor(
    private readonly commands: CommandBus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(raw: unknown, sender?: Actor): Promise<CommandResult> {
    // Before class-transformer sees it (HTTP bodies get the same check in PlainJsonBodyGuard).
    assertPlainJson(raw);
    const message = await validated(IngestMessageDto, raw, '');
    const route = ROUTES[message.command];
    const data = await validated(route.dto, message.data, 'data');
    const chosenId = (data as { customerId?: string }).customerId;
    if (
      message.command === 'CreateLead' &&
      chosenId &&
      message.targetId &&
      chosenId.toLowerCase() !== message.targetId.toLowerCase()
    ) {
      throw new ApiError(
        400,
        'VALIDATION_FAILED',
        'targetId and data.customerId name different clients',
        {
          fields: [
            {
              field: 'targetId',
              problems: ['targetId must equal data.customerId when both are given'],
            },
          ],
        },
      );
    }
    if (route.target && !message.targetId) {
      throw new ApiError(400, 'VALIDATION_FAILED', `${message.command} needs a targetId`, {
        fields: [{ field: 'targetId', problems: ['targetId is required for this command'] }],
      });
    }
    const actor: Actor = sender ?? {
      id: `service:${message.system}`,
      roles: ['service'],
      kind: 'service',
    };
    const context: CommandContext = {
      actor,
      now: this.clock().toISOString(),
      correlationId: message.correlationId ?? randomUUID(),
      // The same key from the same system is one command, whichever route it took.
      commandId: `ingest:${message.system}/${message.idempotencyKey}`,
      idempotent: true,
      fingerprint: createHash('sha256')
        .update(
          canonicalJson({
            command: message.command,
            targetId: message.targetId,
            data: message.data,
            expectedRevision: message.expectedRevision,
          }),
        )
        .digest('hex'),
      ...(message.expectedRevision !== undefined && { expectedRevision: message.expectedRevision }),
      source: `ingest:${message.system}`,
    };
    const targetId = (message.targetId ?? randomUUID()).toLowerCase();
    return this.commands.execute(route.command(targetId, data as never, context) as never);
  }
}
