import { DomainError } from '../common/errors/domain-error';
import type { CampaignStatus } from './campaign.entity';

export const MAX_DENOMINATIONS = 20;
export const MAX_QUANTITY = 1_000_000;
/** 1,000,000 yuan: with MAX_QUANTITY and MAX_DENOMINATIONS a round's total stays an exact JS integer. */
export const MAX_FACE_VALUE = 100_000_000;
export const MAX_PER_RESIDENT_LIMIT = 100;

export interface Period {
  startsAt: Date;
  endsAt: Date;
}

export interface RoundSchedule {
  claimOpensAt: Date;
  claimClosesAt: Date;
  voucherValidFrom: Date;
  voucherValidUntil: Date;
  denominations: ReadonlyArray<{ faceValue: number; minSpend: number; quantity: number }>;
}

function invalid(problems: Array<{ field: string; problem: string }>): DomainError {
  return new DomainError(
    'VALIDATION_FAILED',
    problems.map((p) => `${p.field}: ${p.problem}`).join('; '),
    problems.map((p) => ({ field: p.field, problems: [p.problem] })),
  );
}

export function assertCampaignPeriod(period: Period): void {
  if (period.endsAt <= period.startsAt) throw invalid([{ field: 'endsAt', problem: 'must be after startsAt' }]);
}

/**
 * A round must sit inside its campaign: the claim window and the vouchers' validity within
 * the campaign's dates, each period the right way round, and every voucher's minimum spend
 * at least its face value (so the payable amount is never negative).
 */
export function assertRoundFitsCampaign(campaign: Period, round: RoundSchedule): void {
  const problems: Array<{ field: string; problem: string }> = [];
  if (round.claimClosesAt <= round.claimOpensAt) problems.push({ field: 'claimClosesAt', problem: 'must be after claimOpensAt' });
  if (round.voucherValidUntil <= round.voucherValidFrom)
    problems.push({ field: 'voucherValidUntil', problem: 'must be after voucherValidFrom' });
  if (round.voucherValidUntil <= round.claimOpensAt) problems.push({ field: 'voucherValidUntil', problem: 'must be after claimOpensAt' });
  if (round.claimOpensAt < campaign.startsAt) problems.push({ field: 'claimOpensAt', problem: 'must not be before the campaign starts' });
  if (round.claimClosesAt > campaign.endsAt) problems.push({ field: 'claimClosesAt', problem: 'must not be after the campaign ends' });
  if (round.voucherValidFrom < campaign.startsAt)
    problems.push({ field: 'voucherValidFrom', problem: 'must not be before the campaign starts' });
  if (round.voucherValidUntil > campaign.endsAt)
    problems.push({ field: 'voucherValidUntil', problem: 'must not be after the campaign ends' });
  round.denominations.forEach((d, i) => {
    if (d.minSpend < d.faceValue) problems.push({ field: `denominations.${i}.minSpend`, problem: 'must be at least faceValue' });
  });
  if (problems.length > 0) throw invalid(problems);
}

/** Σ faceValue × quantity: the face value a round commits against the campaign budget. */
export function roundFaceValue(denominations: RoundSchedule['denominations']): number {
  return denominations.reduce((sum, d) => sum + d.faceValue * d.quantity, 0);
}

const TRANSITIONS: Record<'publish' | 'close', readonly CampaignStatus[]> = {
  publish: ['draft'],
  close: ['draft', 'active'],
};

/** Which statuses an action may start from: draft → active → closed (a draft may be closed unpublished). */
export function allowedFrom(action: 'publish' | 'close'): readonly CampaignStatus[] {
  return TRANSITIONS[action];
}

/** Rounds may be added while the campaign is a draft or running, never once it is closed. */
export const STATUSES_ACCEPTING_ROUNDS: readonly CampaignStatus[] = ['draft', 'active'];
