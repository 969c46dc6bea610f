import { DomainError } from '../common/errors/domain-error';
import { validityFromClaim } from '../vouchers/voucher.rules';
import type { CampaignStatus } from './campaign.entity';

export const MAX_DENOMINATIONS = 20;
export const MAX_QUANTITY = 1_000_000;
/** 1,000,000 yuan: with MAX_QUANTITY and MAX_DENOMINATIONS a round's total stays an exact JS integer. */
export const MAX_FACE_VALUE = 100_000_000;
export const MAX_PER_RESIDENT_LIMIT = 100;
export const MAX_VALID_DAYS = 366;

export interface Period {
  startsAt: Date;
  endsAt: Date;
}

/** How long a round's vouchers are valid: a fixed period, or `voucherValidDays` counted from each claim (exactly one). */
export interface RoundValidity {
  voucherValidFrom: Date | null;
  voucherValidUntil: Date | null;
  voucherValidDays: number | null;
}

export interface RoundWindow extends RoundValidity {
  claimOpensAt: Date;
  claimClosesAt: Date;
}

export interface RoundSchedule extends RoundWindow {
  denominations: ReadonlyArray<{ faceValue: number; minSpend: number; quantity: number }>;
}

interface Problem {
  field: string;
  problem: string;
}

function invalid(problems: Problem[]): DomainError {
  return new DomainError(
    'VALIDATION_FAILED',
    problems.map((p) => `${p.field}: ${p.problem}`).join('; '),
    problems.map((p) => ({ field: p.field, problems: [p.problem] })),
  );
}

export function budgetExceeded(campaign: { budget: number; allocated: number }, wanted: number): DomainError {
  return new DomainError(
    'BUDGET_EXCEEDED',
    `Campaign budget is ${campaign.budget} fen with ${campaign.allocated} fen allocated; ${wanted} fen more does not fit`,
    { budget: campaign.budget, allocated: campaign.allocated, requested: wanted },
  );
}

export function assertCampaignPeriod(period: Period): void {
  if (period.endsAt <= period.startsAt) throw invalid([{ field: 'endsAt', problem: 'must be after startsAt' }]);
}

/**
 * The earliest and latest instants any voucher of the round can be valid: the fixed period,
 * or, counted from the claims, from the window's opening to the end of the last claimable
 * moment's Nth day.
 */
export function validityBounds(round: RoundWindow, zone: string): { from: Date; until: Date } {
  if (round.voucherValidDays !== null) {
    return { from: round.claimOpensAt, until: validityFromClaim(round.claimClosesAt, round.voucherValidDays, zone).validUntil };
  }
  return { from: round.voucherValidFrom!, until: round.voucherValidUntil! };
}

/** Either a whole fixed period or a number of days, never both, never neither. */
function validityFormProblems(round: RoundValidity): Problem[] {
  const fixed = round.voucherValidFrom !== null || round.voucherValidUntil !== null;
  if (round.voucherValidDays !== null) {
    return fixed ? [{ field: 'voucherValidDays', problem: 'give either voucherValidDays or voucherValidFrom and voucherValidUntil' }] : [];
  }
  return [
    ...(round.voucherValidFrom === null ? [{ field: 'voucherValidFrom', problem: 'required unless voucherValidDays is given' }] : []),
    ...(round.voucherValidUntil === null ? [{ field: 'voucherValidUntil', problem: 'required unless voucherValidDays is given' }] : []),
  ];
}

/**
 * A round must sit inside its campaign: the claim window and the vouchers' validity (see
 * validityBounds; `zone` is the campaign time zone) within the campaign's dates, each period
 * the right way round, and every voucher's minimum spend at least its face value (so the
 * payable amount is never negative).
 */
export function assertRoundFitsCampaign(campaign: Period, round: RoundSchedule, zone: string): void {
  const problems = validityFormProblems(round);
  if (problems.length > 0) throw invalid(problems);
  const validity = validityBounds(round, zone);
  const fixed = round.voucherValidDays === null;
  if (round.claimClosesAt <= round.claimOpensAt) problems.push({ field: 'claimClosesAt', problem: 'must be after claimOpensAt' });
  if (fixed && validity.until <= validity.from) problems.push({ field: 'voucherValidUntil', problem: 'must be after voucherValidFrom' });
  // A voucher claimed in the window's last minute must still be spendable: validity lasts at least as long as the window.
  if (fixed && validity.until < round.claimClosesAt)
    problems.push({ field: 'voucherValidUntil', problem: 'must not be before claimClosesAt' });
  if (round.claimOpensAt < campaign.startsAt) problems.push({ field: 'claimOpensAt', problem: 'must not be before the campaign starts' });
  if (round.claimClosesAt > campaign.endsAt) problems.push({ field: 'claimClosesAt', problem: 'must not be after the campaign ends' });
  if (fixed && validity.from < campaign.startsAt)
    problems.push({ field: 'voucherValidFrom', problem: 'must not be before the campaign starts' });
  if (validity.until > campaign.endsAt) {
    problems.push(
      fixed
        ? { field: 'voucherValidUntil', problem: 'must not be after the campaign ends' }
        : { field: 'voucherValidDays', problem: `a voucher claimed at claimClosesAt would be valid past the campaign's end` },
    );
  }
  round.denominations.forEach((d, i) => {
    if (d.minSpend < d.faceValue) problems.push({ field: `denominations.${i}.minSpend`, problem: 'must be at least faceValue' });
  });
  if (problems.length > 0) throw invalid(problems);
}

/**
 * A campaign's dates must keep holding its rounds (checked when they change): no round's
 * claim window or voucher validity may fall outside them, as when the round was created.
 */
export function assertPeriodHoldsRounds(period: Period, rounds: readonly RoundWindow[], zone: string): void {
  if (rounds.length === 0) return;
  const bounds = rounds.map((r) => ({ round: r, validity: validityBounds(r, zone) }));
  const firstStart = Math.min(...bounds.flatMap((b) => [b.round.claimOpensAt.getTime(), b.validity.from.getTime()]));
  const lastEnd = Math.max(...bounds.flatMap((b) => [b.round.claimClosesAt.getTime(), b.validity.until.getTime()]));
  const problems: Problem[] = [];
  if (period.startsAt.getTime() > firstStart)
    problems.push({ field: 'startsAt', problem: `must not be after its rounds begin (${new Date(firstStart).toISOString()})` });
  if (period.endsAt.getTime() < lastEnd)
    problems.push({ field: 'endsAt', problem: `must not be before its rounds end (${new Date(lastEnd).toISOString()})` });
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

/** The fields `PATCH /campaigns/:id` may set. */
export interface CampaignEdit {
  name?: string;
  budget?: number;
  startsAt?: Date;
  endsAt?: Date;
  description?: string;
}

const EDITABLE: Record<CampaignStatus, ReadonlyArray<keyof CampaignEdit>> = {
  draft: ['name', 'budget', 'startsAt', 'endsAt', 'description'],
  // Residents hold its vouchers already: its name and start stay as published.
  active: ['budget', 'endsAt', 'description'],
  closed: [],
};

/** The fields given, without those left out (a DTO instance defines every field; null means "not given" too). */
export function editOf<T extends object>(change: T): Partial<T> {
  return Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined && value !== null)) as Partial<T>;
}

/** A draft may change anything, a running campaign only its budget, end and description, a closed one nothing. */
export function assertEditable(status: CampaignStatus, edit: CampaignEdit): void {
  const refused = Object.keys(edit).filter((field) => !EDITABLE[status].includes(field as keyof CampaignEdit));
  if (refused.length === 0) return;
  const allowed = EDITABLE[status];
  throw new DomainError(
    'INVALID_STATE',
    allowed.length === 0
      ? `A ${status} campaign cannot be edited`
      : `A ${status} campaign's ${refused.join(', ')} cannot change (only ${allowed.join(', ')})`,
  );
}

/** Whether the edit raises a running campaign's budget: the change the four-eyes rule holds for approval. */
export function raisesBudget(campaign: { status: CampaignStatus; budget: number }, edit: CampaignEdit): boolean {
  return campaign.status === 'active' && edit.budget !== undefined && edit.budget > campaign.budget;
}

/**
 * A budget rise waiting for approval is asked for on its own: the answer (202, nothing changed
 * yet) could not say that the request's other fields were made at once.
 */
export function assertRiseAlone(edit: CampaignEdit): void {
  const others = Object.keys(edit).filter((field) => field !== 'budget');
  if (others.length === 0) return;
  throw new DomainError(
    'VALIDATION_FAILED',
    'A budget rise needs approval: send it on its own, and the other fields in a request of their own',
    others.map((field) => ({ field, problems: ['not with a budget rise that needs approval'] })),
  );
}

/** A budget rise as requested: approving it moves the budget `from` → `to`, and only from `from`. */
export interface BudgetRise {
  from: number;
  to: number;
}

/** What a publication request is approved for: the money and the dates as they were when it was asked. */
export interface PublicationTerms {
  budget: number;
  startsAt: string;
  endsAt: string;
}

export function publicationTerms(campaign: { budget: number; startsAt: Date; endsAt: Date }): PublicationTerms {
  return { budget: campaign.budget, startsAt: campaign.startsAt.toISOString(), endsAt: campaign.endsAt.toISOString() };
}

/**
 * Whether the campaign is still what its publication was asked for: a draft whose budget or
 * dates were edited after the request would otherwise be published in a form its approver
 * never saw.
 */
export function matchesTerms(campaign: { budget: number; startsAt: Date; endsAt: Date }, terms: PublicationTerms): boolean {
  const now = publicationTerms(campaign);
  return now.budget === terms.budget && now.startsAt === terms.startsAt && now.endsAt === terms.endsAt;
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
