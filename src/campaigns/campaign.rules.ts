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
  // A voucher claimed in the window's last minute must still be spendable: validity lasts at least as long as the window.
  if (round.voucherValidUntil < round.claimClosesAt)
    problems.push({ field: 'voucherValidUntil', problem: 'must not be before claimClosesAt' });
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

export type RoundPeriods = Omit<RoundSchedule, 'denominations'>;

/**
 * A campaign's dates may be edited only while they still hold every round it has: each round's
 * claim window and its vouchers' validity, the rule a round is created under
 * (assertRoundFitsCampaign). So endsAt ≥ every claimClosesAt and voucherValidUntil, and
 * startsAt ≤ every claimOpensAt and voucherValidFrom.
 */
export function assertPeriodHoldsRounds(period: Period, rounds: readonly RoundPeriods[]): void {
  if (rounds.length === 0) return;
  const latestEnd = new Date(Math.max(...rounds.flatMap((r) => [r.claimClosesAt.getTime(), r.voucherValidUntil.getTime()])));
  const earliestStart = new Date(Math.min(...rounds.flatMap((r) => [r.claimOpensAt.getTime(), r.voucherValidFrom.getTime()])));
  const problems: Array<{ field: string; problem: string }> = [];
  if (period.endsAt < latestEnd) {
    problems.push({ field: 'endsAt', problem: `must not be before ${latestEnd.toISOString()}, when a round's claims or vouchers end` });
  }
  if (period.startsAt > earliestStart) {
    problems.push({
      field: 'startsAt',
      problem: `must not be after ${earliestStart.toISOString()}, when a round's claims or vouchers start`,
    });
  }
  if (problems.length > 0) throw invalid(problems);
}

/** A campaign may be published only before it ends: publishing one already over would open nothing anyone could use. */
export function hasEnded(campaign: Pick<Period, 'endsAt'>, now: Date): boolean {
  return campaign.endsAt <= now;
}

/**
 * When claims in a round stop: its own window's close, or the campaign's end if that comes
 * first, so a campaign past its end is claimed no more even if a round says otherwise.
 */
export function claimWindowCloses(round: Pick<RoundSchedule, 'claimClosesAt'>, campaign: Pick<Period, 'endsAt'>): Date {
  return round.claimClosesAt < campaign.endsAt ? round.claimClosesAt : campaign.endsAt;
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
