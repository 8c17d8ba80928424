import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Allow } from '../../http/access.decorators';
import { CommandCtx, type CommandContext } from '../command-context';
import { respond, type CommandResponseBody } from '../command-response';
import { CommandResponse, IdempotencyHeaders } from '../command.openapi';
import { DealId } from '../record-id.pipe';
import { ChangeDealStageDto, LoseDealDto, WinDealDto } from './deal.dto';
import { ChangeDealStageCommand, LoseDealCommand, WinDealCommand } from './deal.handlers';

@ApiTags('commands: deals')
@IdempotencyHeaders()
@Controller('deals')
export class DealsController {
  constructor(private readonly commands: CommandBus) {}

  @Post(':id/stage')
  @HttpCode(201)
  @Allow('deal:write')
  @ApiOperation({ summary: 'Move an open deal to another stage (DealStageChanged)' })
  @ApiCreatedResponse({ type: CommandResponse })
  async changeStage(
    @Param('id', DealId) dealId: string,
    @Body() body: ChangeDealStageDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CommandResponseBody> {
    return respond(
      reply,
      await this.commands.execute(new ChangeDealStageCommand(dealId, body, context)),
    );
  }

  @Post(':id/won')
  @HttpCode(201)
  @Allow('deal:write')
  @ApiOperation({ summary: "Win a deal (DealWon, + CustomerConverted on a lead's first win)" })
  @ApiCreatedResponse({ type: CommandResponse })
  async win(
    @Param('id', DealId) dealId: string,
    @Body() body: WinDealDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CommandResponseBody> {
    return respond(reply, await this.commands.execute(new WinDealCommand(dealId, body, context)));
  }

  @Post(':id/lost')
  @HttpCode(201)
  @Allow('deal:write')
  @ApiOperation({ summary: 'Lose a deal (DealLost)' })
  @ApiCreatedResponse({ type: CommandResponse })
  async lose(
    @Param('id', DealId) dealId: string,
    @Body() body: LoseDealDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CommandResponseBody> {
    return respond(reply, await this.commands.execute(new LoseDealCommand(dealId, body, context)));
  }
}
