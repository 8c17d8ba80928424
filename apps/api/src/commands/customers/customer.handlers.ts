import { randomUUID } from 'node:crypto';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { customerDecider, customerStreamId, type CustomerCommand } from '@rapport/domain';
import { PersonalDataCipher } from '@rapport/privacy';
import type { CommandContext } from '../command-context';
import { CommandExecutor, decided } from '../command-executor';
import type { CommandResult } from '../command-result';
import type {
  AssignOwnerDto,
  ChurnCustomerDto,
  CorrectProfileDto,
  CreateLeadDto,
  EraseCustomerDto,
  LogContactDto,
  SetConsentDto,
} from './customer.dto';

abstract class CustomerCommandBase<Input> extends Command<CommandResult> {
  constructor(
    readonly customerId: string,
    readonly input: Input,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class CreateLeadCommand extends CustomerCommandBase<CreateLeadDto> {}
export class LogContactCommand extends CustomerCommandBase<LogContactDto> {}
export class ChurnCustomerCommand extends CustomerCommandBase<ChurnCustomerDto> {}
export class SetConsentCommand extends CustomerCommandBase<SetConsentDto> {}
export class AssignOwnerCommand extends CustomerCommandBase<AssignOwnerDto> {}
export class EraseCustomerCommand extends CustomerCommandBase<EraseCustomerDto> {}
export class CorrectProfileCommand extends CustomerCommandBase<CorrectProfileDto> {}

/** Commands that touch only the client's own stream share this path. */
function onCustomer(
  executor: CommandExecutor,
  name: CustomerCommand['type'],
  context: CommandContext,
  customerId: string,
  build: () => Promise<CustomerCommand> | CustomerCommand,
): Promise<CommandResult> {
  return executor.execute(name, context, async (load) => {
    const command = await build();
    const customer = await load(customerDecider, customerStreamId(customerId));
    return {
      customerId,
      primary: decided(customer, customerDecider.decide(command, customer.state)),
    };
  });
}

@CommandHandler(CreateLeadCommand)
export class CreateLeadHandler implements ICommandHandler<CreateLeadCommand> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly cipher: PersonalDataCipher,
  ) {}

  execute({ customerId, input, context }: CreateLeadCommand): Promise<CommandResult> {
    return this.executor.execute('CreateLead', context, async (load) => {
      const sealed = await this.cipher.sealAll(customerId, {
        name: input.name.trim(),
        email: input.email?.trim(),
        phone: input.phone?.trim(),
      });
      const customer = await load(customerDecider, customerStreamId(customerId));
      const events = customerDecider.decide(
        {
          type: 'CreateLead',
          now: context.now,
          data: {
            customerId,
            name: sealed.name,
            ...(sealed.email && { email: sealed.email }),
            ...(sealed.phone && { phone: sealed.phone }),
            ...(input.company !== undefined && { company: input.company.trim() }),
            source: input.source.trim(),
            ...(input.ownerId !== undefined && { ownerId: input.ownerId.trim() }),
          },
        },
        customer.state,
      );
      return { customerId, primary: decided(customer, events) };
    });
  }
}

@CommandHandler(LogContactCommand)
export class LogContactHandler implements ICommandHandler<LogContactCommand> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly cipher: PersonalDataCipher,
  ) {}

  execute({ customerId, input, context }: LogContactCommand): Promise<CommandResult> {
    const contactId = randomUUID();
    return onCustomer(this.executor, 'LogContact', context, customerId, async () => {
      const sealed = await this.cipher.sealAll(customerId, {
        subject: input.subject,
        notes: input.notes,
      });
      return {
        type: 'LogContact',
        now: context.now,
        data: {
          customerId,
          contactId,
          channel: input.channel,
          direction: input.direction,
          subject: sealed.subject,
          ...(sealed.notes && { notes: sealed.notes }),
          ...(input.occurredAt !== undefined && {
            occurredAt: new Date(input.occurredAt).toISOString(),
          }),
        },
      } satisfies CustomerCommand;
    });
  }
}

@CommandHandler(ChurnCustomerCommand)
export class ChurnCustomerHandler implements ICommandHandler<ChurnCustomerCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ customerId, input, context }: ChurnCustomerCommand): Promise<CommandResult> {
    return onCustomer(this.executor, 'ChurnCustomer', context, customerId, () => ({
      type: 'ChurnCustomer',
      now: context.now,
      data: { customerId, reason: input.reason.trim() },
    }));
  }
}

@CommandHandler(SetConsentCommand)
export class SetConsentHandler implements ICommandHandler<SetConsentCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ customerId, input, context }: SetConsentCommand): Promise<CommandResult> {
    return onCustomer(this.executor, 'SetConsent', context, customerId, () => ({
      type: 'SetConsent',
      now: context.now,
      data: { customerId, purpose: input.purpose.toLowerCase(), granted: input.granted },
    }));
  }
}

@CommandHandler(AssignOwnerCommand)
export class AssignOwnerHandler implements ICommandHandler<AssignOwnerCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ customerId, input, context }: AssignOwnerCommand): Promise<CommandResult> {
    return onCustomer(this.executor, 'AssignOwner', context, customerId, () => ({
      type: 'AssignOwner',
      now: context.now,
      data: { customerId, ownerId: input.ownerId.trim() },
    }));
  }
}

/**
 * Erasure is crypto-shredding: once the client's key is destroyed, every sealed value of
 * theirs, in every copy of every event, is noise. The key goes first (after the decider
 * agreed), so a crash in between leaves a client whose data is already unreadable and whose
 * erasure can simply be requested again.
 */
@CommandHandler(EraseCustomerCommand)
export class EraseCustomerHandler implements ICommandHandler<EraseCustomerCommand> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly cipher: PersonalDataCipher,
  ) {}

  execute({ customerId, input, context }: EraseCustomerCommand): Promise<CommandResult> {
    return this.executor.execute('EraseCustomer', context, async (load) => {
      const customer = await load(customerDecider, customerStreamId(customerId));
      const events = customerDecider.decide(
        {
          type: 'EraseCustomer',
          now: context.now,
          data: { customerId, reason: input.reason.trim() },
        },
        customer.state,
      );
      await this.cipher.forget(customerId);
      return { customerId, primary: decided(customer, events) };
    });
  }
}

/** A correction re-seals the personal fields it changes; the actor is in the envelope. */
@CommandHandler(CorrectProfileCommand)
export class CorrectProfileHandler implements ICommandHandler<CorrectProfileCommand> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly cipher: PersonalDataCipher,
  ) {}

  execute({ customerId, input, context }: CorrectProfileCommand): Promise<CommandResult> {
    return onCustomer(this.executor, 'CorrectProfile', context, customerId, async () => {
      const sealed = await this.cipher.sealAll(customerId, {
        name: input.name?.trim(),
        email: input.email?.trim() ?? undefined,
        phone: input.phone?.trim() ?? undefined,
      });
      return {
        type: 'CorrectProfile',
        now: context.now,
        data: {
          customerId,
          changes: {
            ...(sealed.name && { name: sealed.name }),
            ...(input.email !== undefined && {
              email: input.email === null ? null : sealed.email!,
            }),
            ...(input.phone !== undefined && {
              phone: input.phone === null ? null : sealed.phone!,
            }),
            ...(input.company !== undefined && {
              company: input.company === null ? null : input.company.trim(),
            }),
          },
        },
      } satisfies CustomerCommand;
    });
  }
}

export const CUSTOMER_HANDLERS = [
  CorrectProfileHandler,
  EraseCustomerHandler,
  CreateLeadHandler,
  LogContactHandler,
  ChurnCustomerHandler,
  SetConsentHandler,
  AssignOwnerHandler,
];
