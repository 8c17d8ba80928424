import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { notFound } from '@rapport/domain';
import type { HttpRequestLike } from '@rapport/platform';
import { UUID_PATTERN } from '../../commands/validators';
import { Allow } from '../../http/access.decorators';
import { AuditedRead, NoClientData } from '../../http/read-audit.decorators';
import { PageLimitQuery } from '../../read-side/query.dto';
import { WebhookSubscriptions, type DeliveryView } from './webhook-subscriptions.service';

export class CreateSubscriptionBody {
  @ApiProperty({
    description: 'https URL of a public address (or a host of CRM_WEBHOOK_ALLOW_HOSTS)',
  })
  @IsString()
  @MaxLength(2000)
  url!: string;

  @ApiPropertyOptional({ type: [String], description: 'event types to deliver (all when absent)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @Matches(/^[A-Z][A-Za-z0-9]{0,79}$/, { each: true, message: 'types must be event type names' })
  types?: string[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class ReplayBody {
  @ApiProperty({ description: 'a position: events after it are delivered again' })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  from!: number;
}

export class RotateSecretBody {
  @ApiPropertyOptional({
    description:
      'seconds the previous secret keeps signing (default CRM_WEBHOOK_SECRET_OVERLAP_SECONDS; 0 ends it now)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(31_622_400)
  overlapSeconds?: number;
}

export class SubscriptionListQuery extends PageLimitQuery {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(UUID_PATTERN, { message: 'cursor must be the nextCursor of a previous page' })
  cursor?: string;
}

export class DeliveriesQuery extends PageLimitQuery {
  @ApiPropertyOptional({ enum: ['failed', 'dead'] })
  @IsOptional()
  @IsIn(['failed', 'dead'])
  status?: 'failed' | 'dead';

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^\d{16}$/, { message: 'cursor must be the nextCursor of a previous page' })
  cursor?: string;
}

function subscriptionId(id: string): string {
  if (!UUID_PATTERN.test(id)) {
    throw notFound('SUBSCRIPTION_NOT_FOUND', `subscription ${id.slice(0, 64)} does not exist`);
  }
  return id.toLowerCase();
}

/** Webhook subscriptions, managed by admins (docs/consuming-services.md). */
@ApiTags('consuming services')
@Controller('subscriptions')
export class SubscriptionsController {
  constructor(private readonly subscriptions: WebhookSubscriptions) {}

  @Post()
  @HttpCode(201)
  @Allow('admin:operate')
  @ApiOperation({ summary: 'Subscribe a URL to events; the answer shows the signing secret, once' })
  create(@Body() body: CreateSubscriptionBody, @Req() request: HttpRequestLike) {
    return this.subscriptions
      .create(body, request.rapport!.principal!.actor.id)
      .then(({ subscription, secret }) => ({ ...subscription, secret }));
  }

  @Get()
  @Allow('admin:operate')
  @NoClientData('webhook subscriptions: URLs, event types and states, no client')
  @ApiOperation({ summary: 'The subscriptions (never their secrets)' })
  list(@Query() query: SubscriptionListQuery) {
    return this.subscriptions.list({
      ...(query.cursor && { cursor: query.cursor }),
      limit: query.limit ?? 50,
    });
  }

  @Delete(':id')
  @HttpCode(204)
  @Allow('admin:operate')
  @ApiOperation({ summary: 'Stop a subscription; its secrets are destroyed' })
  async remove(@Param('id') id: string): Promise<void> {
    await this.subscriptions.remove(subscriptionId(id));
  }

  @Get(':id/deliveries')
  @Allow('admin:operate')
  @AuditedRead('webhook-deliveries', (page: { deliveries: DeliveryView[] }) =>
    page.deliveries.map((delivery) => delivery.customerId),
  )
  @ApiOperation({
    summary: 'The delivery log of a subscription: every delivery, or the failed or dead ones',
  })
  deliveries(@Param('id') id: string, @Query() query: DeliveriesQuery) {
    return this.subscriptions.deliveries(subscriptionId(id), {
      ...(query.status && { status: query.status }),
      ...(query.cursor && { cursor: query.cursor }),
      limit: query.limit ?? 50,
    });
  }

  @Post(':id/replay')
  @HttpCode(202)
  @Allow('admin:operate')
  @ApiOperation({
    summary: 'Deliver again every event after a position (dead-lettered ones included)',
  })
  replay(@Param('id') id: string, @Body() body: ReplayBody) {
    return this.subscriptions.replay(subscriptionId(id), body.from);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @Allow('admin:operate')
  @ApiOperation({
    summary: 'A new signing secret (shown once); the previous one signs too during the overlap',
  })
  rotate(@Param('id') id: string, @Body() body: RotateSecretBody) {
    return this.subscriptions
      .rotate(subscriptionId(id), body.overlapSeconds)
      .then(({ subscription, secret }) => ({ ...subscription, secret }));
  }
}
