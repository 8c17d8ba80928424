import { randomUUID } from 'node:crypto';
import { Body, Controller, HttpCode, Inject, Param, Patch, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { customerStreamId } from '@rapport/domain';
import { EVENT_STORE, type EventStore } from '@rapport/event-store';
import { Allow } from '../../http/access.decorators';
import { CommandCtx, type CommandContext } from '../command-context';
import { respond, type CommandResponseBody } from '../command-response';
import {
  ComplaintResponse,
  CommandResponse,
  ErasureResponse,
  IdempotencyHeaders,
} from '../command.openapi';
import { CustomerId } from '../record-id.pipe';
import { RaiseComplaintCommand } from '../complaints/complaint.handlers';
import { RaiseComplaintDto } from '../complaints/complaint.dto';
import { OpenDealCommand } from '../deals/deal.handlers';
import { OpenDealDto } from '../deals/deal.dto';
import {
  AssignOwnerDto,
  ChurnCustomerDto,
  CorrectProfileDto,
  CreateLeadDto,
  EraseCustomerDto,
  LogContactDto,
  SetConsentDto,
} from './customer.dto';
import {
  AssignOwnerCommand,
  ChurnCustomerCommand,
  CorrectProfileCommand,
  CreateLeadCommand,
  EraseCustomerCommand,
  LogContactCommand,
  SetConsentCommand,
} from './customer.handlers';

@ApiTags('commands: customers')
@IdempotencyHeaders()
@Controller('customers')
export class CustomersController {
  constructor(
    private readonly commands: CommandBus,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
  ) {}

  @Post()
  @HttpCode(201)
  @Allow('customer:create')
  @ApiOperation({ summary: 'Create a lead (LeadCreated)' })
  @ApiCreatedResponse({ type: CommandResponse })
  async createLead(
    @Body() body: CreateLeadDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CommandResponseBody> {
    const customerId = body.customerId?.toLowerCase() ?? randomUUID();
    const result = await this.commands.execute(new CreateLeadCommand(customerId, body, context));
    return respond(reply, result, `/customers/${result.customerId}`);
  }

  @Post(':id/contacts')
  @HttpCode(201)
  @Allow('customer:contact')
  @ApiOperation({ summary: 'Log a contact on any channel (ContactLogged)' })
  @ApiCreatedResponse({ type: CommandResponse })
  async logContact(
    @Param('id', CustomerId) customerId: string,
    @Body() body: LogContactDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CommandResponseBody> {
    return respond(
      reply,
      await this.commands.execute(new LogContactCommand(customerId, body, context)),
    );
  }

  @Post(':id/deals')
  @HttpCode(201)
  @Allow('deal:write')
  @ApiOperation({ summary: 'Open a deal for the client (DealOpened)' })
  @ApiCreatedResponse({ type: CommandResponse })
  async openDeal(
    @Param('id', CustomerId) customerId: string,
    @Body() body: OpenDealDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CommandResponseBody> {
    const dealId = body.dealId?.toLowerCase() ?? randomUUID();
    const result = await this.commands.execute(
      new OpenDealCommand(customerId, dealId, body, context),
    );
    return respond(reply, result);
  }

  @Post(':id/complaints')
  @HttpCode(201)
  @Allow('complaint:write')
  @ApiOperation({
    summary: 'Raise a complaint (ComplaintRaised, + ComplaintEscalated if critical)',
  })
  @ApiCreatedResponse({ type: ComplaintResponse })
  async raiseComplaint(
    @Param('id', CustomerId) customerId: string,
    @Body() body: RaiseComplaintDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CommandResponseBody> {
    const complaintId = body.complaintId?.toLowerCase() ?? randomUUID();
    const result = await this.commands.execute(
      new RaiseComplaintCommand(customerId, complaintId, body, context),
    );
    return respond(reply, result);
  }

  @Post(':id/churn')
  @HttpCode(201)
  @Allow('customer:churn')
  @ApiOperation({ summary: 'Record that the client churned (CustomerChurned)' })
  @ApiCreatedResponse({ type: CommandResponse })
  async churn(
    @Param('id', CustomerId) customerId: string,
    @Body() body: ChurnCustomerDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CommandResponseBody> {
    return respond(
      reply,
      await this.commands.execute(new ChurnCustomerCommand(customerId, body, context)),
    );
  }

  @Post(':id/consents')
  @HttpCode(201)
  @Allow('customer:consent')
  @ApiOperation({
    summary: 'Grant or revoke consent for a purpose (ConsentGranted / ConsentRevoked)',
  })
  @ApiCreatedResponse({ type: CommandResponse })
  async setConsent(
    @Param('id', CustomerId) customerId: string,
    @Body() body: SetConsentDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CommandResponseBody> {
    return respond(
      reply,
      await this.commands.execute(new SetConsentCommand(customerId, body, context)),
    );
  }

  @Post(':id/owner')
  @HttpCode(201)
  @Allow('customer:assign-owner')
  @ApiOperation({ summary: 'Hand the client to another owner (OwnerAssigned)' })
  @ApiHeader({ name: 'If-Match', required: false })
  @ApiCreatedResponse({ type: CommandResponse })
  async assignOwner(
    @Param('id', CustomerId) customerId: string,
    @Body() body: AssignOwnerDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CommandResponseBody> {
    return respond(
      reply,
      await this.commands.execute(new AssignOwnerCommand(customerId, body, context)),
    );
  }

  @Patch(':id')
  @HttpCode(200)
  @Allow('customer:correct')
  @ApiOperation({
    summary: "Correct the client's profile (CustomerProfileCorrected); null removes a field",
  })
  @ApiCreatedResponse({ type: CommandResponse })
  async correct(
    @Param('id', CustomerId) customerId: string,
    @Body() body: CorrectProfileDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CommandResponseBody> {
    return respond(
      reply,
      await this.commands.execute(new CorrectProfileCommand(customerId, body, context)),
    );
  }

  @Post(':id/erasure')
  @HttpCode(201)
  @Allow('customer:erase')
  @ApiOperation({
    summary: "Erase the client's personal data everywhere by destroying their key (CustomerErased)",
  })
  @ApiCreatedResponse({ type: ErasureResponse })
  async erase(
    @Param('id', CustomerId) customerId: string,
    @Body() body: EraseCustomerDto,
    @CommandCtx() context: CommandContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CommandResponseBody & { receipt: ErasureReceipt }> {
    const result = await this.commands.execute(new EraseCustomerCommand(customerId, body, context));
    const erased = result.events.find((event) => event.type === 'CustomerErased');
    const record = await this.eventStore.readStream(customerStreamId(customerId), {
      fromRevision: erased?.revision ?? 0,
      maxCount: 1,
    });
    const event = record.events[0];
    return {
      ...respond(reply, result),
      receipt: {
        customerId,
        erasedAt: event?.recordedAt ?? context.now,
        erasedBy: event?.metadata.actor.id ?? context.actor.id,
        reason: (event?.data as { reason?: string } | undefined)?.reason ?? body.reason,
        erased: ERASED_DATA,
        retained: RETAINED_DATA,
        method:
          'crypto-shredding: the client key was destroyed; sealed values in every copy are unreadable',
      },
    };
  }
}

/** What an erasure makes unreadable, and what stays for the metrics (non-personal facts). */
const ERASED_DATA = [
  'name',
  'email',
  'phone',
  'contact subjects and notes',
  'complaint descriptions and resolutions',
];
const RETAINED_DATA = [
  'deal amounts, currencies, stages and dates',
  'contact channels and dates',
  'complaint categories, severities and dates',
  'consent decisions',
];

export interface ErasureReceipt {
  customerId: string;
  erasedAt: string;
  erasedBy: string;
  reason: string;
  erased: string[];
  retained: string[];
  method: string;
}
