import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  complaintDecider,
  complaintStreamId,
  customerDecider,
  customerStreamId,
  requireComplaint,
} from '@rapport/domain';
import { PersonalDataCipher } from '@rapport/privacy';
import type { CommandContext } from '../command-context';
import { CommandExecutor, decided } from '../command-executor';
import type { CommandResult } from '../command-result';
import type { RaiseComplaintDto, ResolveComplaintDto } from './complaint.dto';

export class RaiseComplaintCommand extends Command<CommandResult> {
  constructor(
    readonly customerId: string,
    readonly complaintId: string,
    readonly input: RaiseComplaintDto,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class ResolveComplaintCommand extends Command<CommandResult> {
  constructor(
    readonly complaintId: string,
    readonly input: ResolveComplaintDto,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(RaiseComplaintCommand)
export class RaiseComplaintHandler implements ICommandHandler<RaiseComplaintCommand> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly cipher: PersonalDataCipher,
  ) {}

  execute({
    customerId,
    complaintId,
    input,
    context,
  }: RaiseComplaintCommand): Promise<CommandResult> {
    return this.executor.execute('RaiseComplaint', context, async (load) => {
      const customer = await load(customerDecider, customerStreamId(customerId));
      const customerEvents = customerDecider.decide(
        {
          type: 'RegisterComplaintActivity',
          now: context.now,
          data: { customerId, complaintId, activity: 'raised' },
        },
        customer.state,
      );
      const complaint = await load(complaintDecider, complaintStreamId(complaintId));
      const events = complaintDecider.decide(
        {
          type: 'RaiseComplaint',
          now: context.now,
          data: {
            complaintId,
            customerId,
            category: input.category.trim(),
            severity: input.severity,
            description: await this.cipher.seal(customerId, input.description),
            ...(input.channel && { channel: input.channel }),
          },
        },
        complaint.state,
      );
      return {
        customerId,
        primary: decided(complaint, events),
        others: [decided(customer, customerEvents)],
      };
    });
  }
}

@CommandHandler(ResolveComplaintCommand)
export class ResolveComplaintHandler implements ICommandHandler<ResolveComplaintCommand> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly cipher: PersonalDataCipher,
  ) {}

  execute({ complaintId, input, context }: ResolveComplaintCommand): Promise<CommandResult> {
    return this.executor.execute('ResolveComplaint', context, async (load) => {
      const complaint = await load(complaintDecider, complaintStreamId(complaintId));
      const { customerId } = requireComplaint(complaint.state, complaintId);
      const customer = await load(customerDecider, customerStreamId(customerId));
      const customerEvents = customerDecider.decide(
        {
          type: 'RegisterComplaintActivity',
          now: context.now,
          data: { customerId, complaintId, activity: 'resolved' },
        },
        customer.state,
      );
      const events = complaintDecider.decide(
        {
          type: 'ResolveComplaint',
          now: context.now,
          data: {
            complaintId,
            resolution: await this.cipher.seal(customerId, input.resolution),
            ...(input.satisfaction !== undefined && { satisfaction: input.satisfaction }),
          },
        },
        complaint.state,
      );
      return {
        customerId,
        primary: decided(complaint, events),
        others: [decided(customer, customerEvents)],
      };
    });
  }
}

export const COMPLAINT_HANDLERS = [RaiseComplaintHandler, ResolveComplaintHandler];
