import type { Campaign } from '../campaigns/campaign.entity';
import { claimWindowCloses } from '../campaigns/campaign.rules';
import type { Round } from '../campaigns/round.entity';
import { roundAllocation } from '../campaigns/round.rules';

/** What PostgreSQL holds for one round: the truth the Redis state is derived from. */
export interface StoredClaims {
  /** Denomination id → stock slots taken by stored vouchers. */
  slots: ReadonlyMap<string, readonly number[]>;
  /** Denomination id → stored vouchers without a slot (written by something other than the claim engine). */
  unslotted: ReadonlyMap<string, number>;
  /** Resident id → claim numbers held in the round. */
  residents: ReadonlyMap<string, readonly number[]>;
  /** Σ face value of the round's stored vouchers, fen. */
  faceValue: number;
}

export interface DenominationState {
  id: string;
  faceValue: number;
  minSpend: number;
  freeSlots: number[];
}

/** The round's admission state as written to Redis (see claim.lua for how it is read). */
export interface RoundState {
  roundId: string;
  /** Changes with every load, so a reservation made before a reload is never given back twice. */
  generation: string;
  active: boolean;
  opensAt: number;
  closesAt: number;
  perResidentLimit: number;
  /** Fen the round may still commit. */
  budgetLeft: number;
  campaignId: string;
  theme: string;
  /** A fixed validity period (ISO instants), or '' when `validDays` counts it from each claim. */
  validFrom: string;
  validUntil: string;
  /** Days of validity counted from the claim, or 0 with a fixed period. */
  validDays: number;
  denominations: DenominationState[];
  /** Resident id → "1,2": the claim numbers held. */
  residents: Map<string, string>;
  /** When Redis may forget the state (a week after the window closed, or after this load; it is rebuilt on demand). */
  expiresAt: number;
}

const KEEP_AFTER_CLOSE_MS = 7 * 24 * 3600_000;

/**
 * Slots 1…quantity not taken by a stored voucher. Stored vouchers without a slot still use
 * up stock, and stock given back to the budget (a cancelled or closed round) is no longer
 * there, so as many free slots are withheld: remaining = quantity − returned − vouchers stored.
 */
export function freeSlots(quantity: number, taken: readonly number[], withheld = 0): number[] {
  const used = new Set(taken);
  const free: number[] = [];
  for (let slot = 1; slot <= quantity; slot++) if (!used.has(slot)) free.push(slot);
  return free.slice(0, Math.max(0, free.length - withheld));
}

/**
 * The budget a round may still commit. Rounds are created only while the Σ of their face
 * values (the campaign's `allocated`) fits the campaign budget, so each round owns its own
 * share: its allocation. Counting the budget per round keeps every key of the claim script
 * in the round's Redis Cluster slot, and no round can spend another's share.
 */
export function roundBudgetLeft(round: Pick<Round, 'denominations'>, campaign: Pick<Campaign, 'budget'>, storedFaceValue: number): number {
  return Math.max(0, Math.min(roundAllocation(round.denominations), campaign.budget) - storedFaceValue);
}

export function buildRoundState(
  round: Round,
  campaign: Pick<Campaign, 'id' | 'status' | 'theme' | 'budget' | 'endsAt'>,
  stored: StoredClaims,
  generation: string,
  now: Date,
): RoundState {
  return {
    roundId: round.id,
    generation,
    active: campaign.status === 'active' && round.status === 'active',
    opensAt: round.claimOpensAt.getTime(),
    closesAt: claimWindowCloses(round, campaign).getTime(),
    perResidentLimit: round.perResidentLimit,
    budgetLeft: roundBudgetLeft(round, campaign, stored.faceValue),
    campaignId: campaign.id,
    theme: campaign.theme,
    validFrom: round.voucherValidFrom?.toISOString() ?? '',
    validUntil: round.voucherValidUntil?.toISOString() ?? '',
    validDays: round.voucherValidDays ?? 0,
    denominations: round.denominations.map((d) => ({
      id: d.id,
      faceValue: d.faceValue,
      minSpend: d.minSpend,
      freeSlots: freeSlots(d.quantity, stored.slots.get(d.id) ?? [], (stored.unslotted.get(d.id) ?? 0) + d.returnedQuantity),
    })),
    residents: new Map([...stored.residents].map(([resident, seqs]) => [resident, seqs.join(',')])),
    expiresAt: Math.max(round.claimClosesAt.getTime(), now.getTime()) + KEEP_AFTER_CLOSE_MS,
  };
}
