import { Get, Param, Query } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { campaignAttributionProjection, campaignsProjection } from '@rapport/read-models';
import { RecordIdPipe } from '../commands/record-id.pipe';
import { Allow } from '../http/access.decorators';
import { NoClientData } from '../http/read-audit.decorators';
import { CampaignAnalyticsService } from './campaign-analytics.service';
import {
  CampaignAnalyticsQuery,
  CampaignListQuery,
  SourceAnalyticsQuery,
} from './campaign-queries.dto';
import { ReadYourWritesQuery } from './query.dto';
import { QueryController } from './query-controller.decorator';
import { ReadYourWrites } from './read-your-writes';

const CAMPAIGN_VIEWS = [campaignsProjection.name, campaignAttributionProjection.name];

@QueryController()
export class CampaignsController {
  constructor(
    private readonly campaigns: CampaignAnalyticsService,
    private readonly readYourWrites: ReadYourWrites,
  ) {}

  @Get('campaigns')
  @Allow('campaign:read')
  @NoClientData('campaigns with member and response counts and costs: no client id')
  @ApiOperation({
    summary: 'Campaigns (status filter), each with members, responses by kind and costs',
  })
  async list(@Query() query: CampaignListQuery) {
    await this.readYourWrites.await(CAMPAIGN_VIEWS, query.minPosition);
    return this.campaigns.list({
      ...(query.status !== undefined && { status: query.status }),
      limit: query.limit ?? 50,
      ...(query.cursor !== undefined && { cursor: query.cursor }),
    });
  }

  @Get('campaigns/:id')
  @Allow('campaign:read')
  @NoClientData('one campaign with member and response counts and costs: no client id')
  @ApiOperation({ summary: 'One campaign: members, responses by kind, costs' })
  async one(
    @Param('id', new RecordIdPipe('campaign')) campaignId: string,
    @Query() query: ReadYourWritesQuery,
  ) {
    await this.readYourWrites.await(CAMPAIGN_VIEWS, query.minPosition);
    return this.campaigns.one(campaignId);
  }

  @Get('analytics/campaigns')
  @Allow('campaign:read')
  @NoClientData('per campaign: counts, rates and amounts, no client id')
  @ApiOperation({
    summary:
      'Per campaign: members, responses by kind, response rate, leads, deals won, revenue ' +
      '(first-touch and last-touch), cost, cost per lead, return on spend, in one currency',
  })
  async performance(@Query() query: CampaignAnalyticsQuery) {
    await this.readYourWrites.await(CAMPAIGN_VIEWS, query.minPosition);
    return this.campaigns.performance({
      ...(query.status !== undefined && { status: query.status }),
      ...(query.currency !== undefined && { currency: query.currency }),
      limit: query.limit ?? 50,
      ...(query.cursor !== undefined && { cursor: query.cursor }),
    });
  }

  @Get('analytics/sources')
  @Allow('campaign:read')
  @NoClientData('per lead source and campaign: counts, rates and amounts, no client id')
  @ApiOperation({
    summary:
      'Per lead source and first-touch campaign: leads, conversion rate, median days to ' +
      'convert, revenue and its share of all revenue (most revenue first)',
  })
  async sources(@Query() query: SourceAnalyticsQuery) {
    await this.readYourWrites.await([campaignAttributionProjection.name], query.minPosition);
    return this.campaigns.sources({
      ...(query.currency !== undefined && { currency: query.currency }),
      limit: query.limit ?? 50,
      ...(query.cursor !== undefined && { cursor: query.cursor }),
    });
  }
}
