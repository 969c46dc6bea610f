/**
 * What the campaigns module announces, awaited by listeners (EventEmitter2 emitAsync)
 * after the change is committed, so the claim engine can load or drop its Redis state
 * before the bureau's request is answered.
 */
export const CampaignEvents = {
  published: 'campaign.published',
  closed: 'campaign.closed',
  roundCreated: 'campaign.round-created',
} as const;

export interface CampaignChangedEvent {
  campaignId: string;
}

export interface RoundCreatedEvent {
  campaignId: string;
  roundId: string;
}
