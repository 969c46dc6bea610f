import type { EntityManager } from 'typeorm';
import { notFound } from '../common/errors/domain-error';
import { Campaign } from './campaign.entity';
import { Denomination } from './denomination.entity';
import { Round } from './round.entity';

/** The campaign row, locked until the transaction ends: every change of `allocated` or the budget takes it. */
export async function lockedCampaign(manager: EntityManager, id: string): Promise<Campaign> {
  const campaign = await manager.findOne(Campaign, { where: { id }, lock: { mode: 'pessimistic_write' } });
  if (!campaign) throw notFound('campaign', id);
  return campaign;
}

/**
 * The round row locked FOR UPDATE, with its denominations. Voucher inserts hold the round's
 * KEY SHARE lock (migration RoundLifecycle), so this waits for those in flight and holds back
 * later ones until the transaction ends. Taken before the campaign's lock, in the order a
 * voucher insert takes them (its trigger locks the round, its foreign keys the campaign at
 * the end of the statement), so the two never wait for each other in a cycle.
 */
export async function lockedRound(manager: EntityManager, id: string): Promise<Round> {
  const round = await manager.findOne(Round, { where: { id }, lock: { mode: 'pessimistic_write' } });
  if (!round) throw notFound('round', id);
  round.denominations = await manager.find(Denomination, { where: { roundId: id }, order: { position: 'ASC' } });
  return round;
}
