import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  customerDecider,
  customerStreamId,
  dealDecider,
  dealStreamId,
  type DealCommand,
  type CustomerState,
  type RegisterDealActivity,
} from '@rapport/domain';
import type { CommandContext } from '../command-context';
import { CommandExecutor, decided, type Decision, type Load } from '../command-executor';
import type { CommandResult } from '../command-result';
import type { ChangeDealStageDto, LoseDealDto, OpenDealDto, WinDealDto } from './deal.dto';

export class OpenDealCommand extends Command<CommandResult> {
  constructor(
    readonly customerId: string,
    readonly dealId: string,
    readonly input: OpenDealDto,
    readonly context: CommandContext,
  ) {
    super();
  }
}

abstract class ExistingDealCommand<Input> extends Command<CommandResult> {
  constructor(
    readonly dealId: string,
    readonly input: Input,
    readonly context: CommandContext,
  ) {
    super();
  }
}
export class ChangeDealStageCommand extends ExistingDealCommand<ChangeDealStageDto> {}
export class WinDealCommand extends ExistingDealCommand<WinDealDto> {}
export class LoseDealCommand extends ExistingDealCommand<LoseDealDto> {}

/**
 * A deal command is decided by the deal, then by its client: the client must exist and not
 * be erased, and a win may convert a lead or bring a churned client back. Both streams go
 * into one atomic append, so a concurrent erasure or conversion cannot slip in between.
 * For a new deal the client is loaded first: an unknown client is a 404 before any deal
 * rule, and the deal inherits the client's owner unless one is given.
 */
async function decideOnDeal(
  load: Load,
  now: string,
  dealId: string,
  activity: RegisterDealActivity['data']['activity'],
  commandFor: (customer: CustomerState | undefined) => DealCommand,
  newDealFor?: string,
): Promise<Decision> {
  const register = (customerId: string, state: CustomerState) =>
    customerDecider.decide(
      { type: 'RegisterDealActivity', now, data: { customerId, dealId, activity } },
      state,
    );
  let customer = newDealFor ? await load(customerDecider, customerStreamId(newDealFor)) : undefined;
  let customerEvents = customer && newDealFor ? register(newDealFor, customer.state) : [];
  const deal = await load(dealDecider, dealStreamId(dealId));
  const dealEvents = dealDecider.decide(commandFor(customer?.state), deal.state);
  const customerId = newDealFor ?? (deal.state.status === 'none' ? '' : deal.state.customerId);
  if (!customer) {
    customer = await load(customerDecider, customerStreamId(customerId));
    customerEvents = register(customerId, customer.state);
  }
  return {
    customerId,
    primary: decided(deal, dealEvents),
    others: [decided(customer, customerEvents)],
  };
}

@CommandHandler(OpenDealCommand)
export class OpenDealHandler implements ICommandHandler<OpenDealCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ customerId, dealId, input, context }: OpenDealCommand): Promise<CommandResult> {
    return this.executor.execute('OpenDeal', context, (load) =>
      decideOnDeal(
        load,
        context.now,
        dealId,
        'opened',
        (customer) => {
          const ownerId =
            input.ownerId?.trim() ??
            (customer && 'ownerId' in customer ? customer.ownerId : undefined);
          return {
            type: 'OpenDeal',
            now: context.now,
            data: {
              dealId,
              customerId,
              title: input.title.trim(),
              amount: input.amount,
              currency: input.currency,
              ...(input.stage && { stage: input.stage }),
              ...(ownerId && { ownerId }),
            },
          };
        },
        customerId,
      ),
    );
  }
}

@CommandHandler(ChangeDealStageCommand)
export class ChangeDealStageHandler implements ICommandHandler<ChangeDealStageCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ dealId, input, context }: ChangeDealStageCommand): Promise<CommandResult> {
    return this.executor.execute('ChangeDealStage', context, (load) =>
      decideOnDeal(load, context.now, dealId, 'stage-changed', () => ({
        type: 'ChangeDealStage',
        now: context.now,
        data: { dealId, stage: input.stage },
      })),
    );
  }
}

@CommandHandler(WinDealCommand)
export class WinDealHandler implements ICommandHandler<WinDealCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ dealId, input, context }: WinDealCommand): Promise<CommandResult> {
    return this.executor.execute('WinDeal', context, (load) =>
      decideOnDeal(load, context.now, dealId, 'won', () => ({
        type: 'WinDeal',
        now: context.now,
        data: { dealId, ...(input.amount !== undefined && { amount: input.amount }) },
      })),
    );
  }
}

@CommandHandler(LoseDealCommand)
export class LoseDealHandler implements ICommandHandler<LoseDealCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ dealId, input, context }: LoseDealCommand): Promise<CommandResult> {
    return this.executor.execute('LoseDeal', context, (load) =>
      decideOnDeal(load, context.now, dealId, 'lost', () => ({
        type: 'LoseDeal',
        now: context.now,
        data: { dealId, reason: input.reason.trim() },
      })),
    );
  }
}

export const DEAL_HANDLERS = [
  OpenDealHandler,
  ChangeDealStageHandler,
  WinDealHandler,
  LoseDealHandler,
];
