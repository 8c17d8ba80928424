import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsUUID } from 'class-validator';
import {
  campaignDecider,
  campaignStreamId,
  customerDecider,
  customerStreamId,
  decideCampaignMembers,
  MAX_MEMBERS_PER_BATCH,
  type CampaignMembersAdded,
  type CustomerState,
} from '@rapport/domain';
import { defineCommand } from '../command-definition';
import { decided, type Loaded } from '../command-executor';
import { CampaignMembersResponse } from '../command.openapi';

export class AddCampaignMembersDto {
  @ApiProperty({
    type: [String],
    minItems: 1,
    maxItems: MAX_MEMBERS_PER_BATCH,
    description: 'client ids (UUIDs)',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_MEMBERS_PER_BATCH)
  @IsUUID(undefined, { each: true })
  customerIds!: string[];
}

export const addCampaignMembers = defineCommand({
  name: 'AddCampaignMembers',
  summary:
    "Add clients to a campaign (CampaignMembersAdded): only those whose latest decision for the campaign's purpose is a grant; the others are answered in `skipped` with the reason",
  http: { method: 'POST', path: '/campaigns/:id/members', status: 201, tag: 'campaigns' },
  target: 'campaign',
  permission: 'campaign:write',
  body: AddCampaignMembersDto,
  response: CampaignMembersResponse,
  decide: async ({ id, body, context }, { load }) => {
    const campaign = await load(campaignDecider, campaignStreamId(id));
    const customerIds = body.customerIds.map((customerId) => customerId.toLowerCase());
    const loaded = new Map<string, Loaded<CustomerState>>();
    if (campaign.state.status !== 'none') {
      for (const customerId of new Set(customerIds)) {
        loaded.set(customerId, await load(customerDecider, customerStreamId(customerId)));
      }
    }
    const states = new Map([...loaded].map(([customerId, { state }]) => [customerId, state]));
    const events = decideCampaignMembers(
      { now: context.now, campaignId: id, customerIds },
      campaign.state,
      states,
    );
    const added = events.flatMap((event) =>
      event.type === 'CampaignMembersAdded' ? event.data.customerIds : [],
    );
    return {
      // The campaign's own events keep their order on one key (see docs/read-models.md).
      customerId: id,
      primary: decided(campaign, events),
      // Each client added must still hold the grant when the batch is appended.
      others: added.map((customerId) => decided(loaded.get(customerId)!, [])),
    };
  },
  // Read from the recorded event, so a replayed answer lists the same clients.
  answer: async (result, { id }, { eventStore }) => {
    const recorded = result.events.find((event) => event.type === 'CampaignMembersAdded');
    const { events } = await eventStore.readStream(campaignStreamId(id), {
      fromRevision: recorded?.revision ?? 0,
      maxCount: 1,
    });
    const data = events[0]?.data as CampaignMembersAdded['data'] | undefined;
    return { added: data?.customerIds ?? [], skipped: data?.skipped ?? [] };
  },
});
