import type { CampaignAttributionDocument } from './campaign.document';

/**
 * First touch: the campaign the lead named, else the campaign of the client's earliest
 * engaging response (any kind but an unsubscribe; ties by campaign id).
 */
export function firstTouch(doc: CampaignAttributionDocument): string | null {
  if (doc.leadCampaignId !== null) return doc.leadCampaignId;
  let best: [string, string] | null = null;
  for (const [campaignId, touches] of Object.entries(doc.touches)) {
    if (touches.firstAt === null) continue;
    if (
      best === null ||
      touches.firstAt < best[1] ||
      (touches.firstAt === best[1] && campaignId < best[0])
    ) {
      best = [campaignId, touches.firstAt];
    }
  }
  return best?.[0] ?? null;
}

/**
 * Last touch of a deal opened at `openedAt`: the campaign of the client's last engaging
 * response at or before it (ties by campaign id), else the campaign the deal named.
 */
export function lastTouchAt(
  doc: CampaignAttributionDocument,
  openedAt: string,
  named: string | null,
): string | null {
  let best: [string, string] | null = null;
  for (const [campaignId, touches] of Object.entries(doc.touches)) {
    const at = touches.lastAt;
    if (at === null || Date.parse(at) > Date.parse(openedAt)) continue;
    if (best === null || at > best[1] || (at === best[1] && campaignId < best[0])) {
      best = [campaignId, at];
    }
  }
  return best?.[0] ?? named;
}
