import type { Logger } from '@nestjs/common';
import type { EventEmitter2 } from '@nestjs/event-emitter';

/**
 * What the campaigns module announces, awaited by listeners (EventEmitter2 emitAsync)
 * after the change is committed, so the claim engine can load or drop its Redis state
 * before the bureau's request is answered.
 */
export const CampaignEvents = {
  published: 'campaign.published',
  closed: 'campaign.closed',
  roundCreated: 'campaign.round-created',
  /** A round was edited, cancelled or closed: its Redis state is rebuilt from PostgreSQL. */
  roundChanged: 'campaign.round-changed',
  /** A round is about to be edited, cancelled or closed: admission stops now, before the change waits for claims in flight. */
  roundChanging: 'campaign.round-changing',
} as const;

export interface CampaignChangedEvent {
  campaignId: string;
}

export interface RoundCreatedEvent {
  campaignId: string;
  roundId: string;
}

export interface RoundChangedEvent {
  roundId: string;
}

/**
 * Awaits the listeners, which keep derived state (the claim engine's Redis counters) in step.
 * Derived state is rebuilt by reconciliation and PostgreSQL has the last word, so a failing
 * listener is logged rather than turned into an error for a change that did happen.
 */
export async function announce<T>(events: EventEmitter2, logger: Logger, event: string, payload: T): Promise<void> {
  try {
    await events.emitAsync(event, payload);
  } catch (error) {
    logger.warn(`listener for ${event} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
