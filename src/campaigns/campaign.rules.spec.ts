import { DomainError } from '../common/errors/domain-error';
import {
  allowedFrom,
  assertCampaignPeriod,
  assertEditable,
  assertPeriodHoldsRounds,
  assertRiseAlone,
  assertRoundFitsCampaign,
  claimWindowCloses,
  editOf,
  hasEnded,
  matchesTerms,
  publicationTerms,
  raisesBudget,
  roundFaceValue,
  validityBounds,
} from './campaign.rules';

const at = (iso: string): Date => new Date(iso);
const TZ = 'Asia/Shanghai';
const campaign = { startsAt: at('2026-01-01T00:00:00+08:00'), endsAt: at('2026-12-31T00:00:00+08:00') };
const round = {
  claimOpensAt: at('2026-02-01T10:00:00+08:00'),
  claimClosesAt: at('2026-02-03T10:00:00+08:00'),
  voucherValidFrom: at('2026-02-01T10:00:00+08:00'),
  voucherValidUntil: at('2026-03-01T00:00:00+08:00'),
  voucherValidDays: null,
  denominations: [{ faceValue: 5000, minSpend: 20000, quantity: 100 }],
};

function codeOf(run: () => void): string | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return (error as DomainError).code;
  }
  return undefined;
}

function problemsOf(run: () => void): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return ((error as DomainError).details as Array<{ field: string }>).map((d) => d.field);
  }
  return [];
}

describe('campaign rules', () => {
  it('accepts a round inside its campaign', () => {
    expect(problemsOf(() => assertRoundFitsCampaign(campaign, round, TZ))).toEqual([]);
  });

  it('refuses reversed periods', () => {
    expect(problemsOf(() => assertCampaignPeriod({ startsAt: campaign.endsAt, endsAt: campaign.startsAt }))).toEqual(['endsAt']);
    const reversed = { ...round, claimClosesAt: round.claimOpensAt, voucherValidUntil: round.voucherValidFrom };
    expect(problemsOf(() => assertRoundFitsCampaign(campaign, reversed, TZ))).toEqual(
      expect.arrayContaining(['claimClosesAt', 'voucherValidUntil']),
    );
  });

  it('keeps the claim window and validity inside the campaign dates', () => {
    const early = { ...round, claimOpensAt: at('2025-12-31T00:00:00+08:00'), voucherValidFrom: at('2025-12-31T00:00:00+08:00') };
    expect(problemsOf(() => assertRoundFitsCampaign(campaign, early, TZ))).toEqual(
      expect.arrayContaining(['claimOpensAt', 'voucherValidFrom']),
    );
    const late = { ...round, voucherValidUntil: at('2027-01-01T00:00:00+08:00') };
    expect(problemsOf(() => assertRoundFitsCampaign(campaign, late, TZ))).toEqual(['voucherValidUntil']);
  });

  it('takes either a fixed validity period or voucherValidDays, never both or neither', () => {
    const relative = { ...round, voucherValidFrom: null, voucherValidUntil: null, voucherValidDays: 30 };
    expect(problemsOf(() => assertRoundFitsCampaign(campaign, relative, TZ))).toEqual([]);
    expect(problemsOf(() => assertRoundFitsCampaign(campaign, { ...round, voucherValidDays: 30 }, TZ))).toEqual(['voucherValidDays']);
    expect(problemsOf(() => assertRoundFitsCampaign(campaign, { ...relative, voucherValidDays: null }, TZ))).toEqual([
      'voucherValidFrom',
      'voucherValidUntil',
    ]);
  });

  it('keeps a voucher claimed at the last moment valid no later than the campaign end', () => {
    // Claims close 2026-02-03 10:00 Shanghai time; the campaign ends 2026-12-31 00:00 there.
    const days = (voucherValidDays: number) => ({ ...round, voucherValidFrom: null, voucherValidUntil: null, voucherValidDays });
    expect(validityBounds(days(1), TZ)).toEqual({ from: round.claimOpensAt, until: at('2026-02-05T00:00:00+08:00') });
    expect(problemsOf(() => assertRoundFitsCampaign(campaign, days(330), TZ))).toEqual([]);
    expect(problemsOf(() => assertRoundFitsCampaign(campaign, days(331), TZ))).toEqual(['voucherValidDays']);
    const shortened = { startsAt: campaign.startsAt, endsAt: at('2026-02-04T23:59:59+08:00') };
    expect(problemsOf(() => assertPeriodHoldsRounds(shortened, [days(1)], TZ))).toEqual(['endsAt']);
  });

  it("refuses vouchers that expire before the round's claim window closes", () => {
    const expiresFirst = { ...round, voucherValidUntil: at('2026-02-02T10:00:00+08:00') };
    expect(problemsOf(() => assertRoundFitsCampaign(campaign, expiresFirst, TZ))).toEqual(['voucherValidUntil']);
    const expiresAtClose = { ...round, voucherValidUntil: round.claimClosesAt };
    expect(problemsOf(() => assertRoundFitsCampaign(campaign, expiresAtClose, TZ))).toEqual([]);
  });

  it("lets a campaign's dates move only while they still hold every round's claims and vouchers", () => {
    const rounds = [
      round,
      { ...round, claimClosesAt: at('2026-05-01T00:00:00+08:00'), voucherValidUntil: at('2026-06-01T00:00:00+08:00') },
    ];
    expect(problemsOf(() => assertPeriodHoldsRounds(campaign, rounds, TZ))).toEqual([]);
    expect(problemsOf(() => assertPeriodHoldsRounds({ ...campaign, endsAt: at('2026-06-01T00:00:00+08:00') }, rounds, TZ))).toEqual([]);
    // Before the later round's vouchers end, though after its claims close.
    expect(problemsOf(() => assertPeriodHoldsRounds({ ...campaign, endsAt: at('2026-05-15T00:00:00+08:00') }, rounds, TZ))).toEqual([
      'endsAt',
    ]);
    expect(problemsOf(() => assertPeriodHoldsRounds({ ...campaign, endsAt: at('2026-02-02T00:00:00+08:00') }, rounds, TZ))).toEqual([
      'endsAt',
    ]);
    expect(problemsOf(() => assertPeriodHoldsRounds({ ...campaign, startsAt: at('2026-02-01T10:00:01+08:00') }, rounds, TZ))).toEqual([
      'startsAt',
    ]);
    expect(problemsOf(() => assertPeriodHoldsRounds({ ...campaign, endsAt: at('2026-01-02T00:00:00+08:00') }, [], TZ))).toEqual([]);
  });

  it('knows a campaign has ended at its end, and closes claims at whichever comes first', () => {
    expect(hasEnded(campaign, at('2026-12-30T23:59:59+08:00'))).toBe(false);
    expect(hasEnded(campaign, campaign.endsAt)).toBe(true);
    expect(claimWindowCloses(round, campaign)).toEqual(round.claimClosesAt);
    expect(claimWindowCloses(round, { endsAt: at('2026-02-02T00:00:00+08:00') })).toEqual(at('2026-02-02T00:00:00+08:00'));
  });

  it('requires the minimum spend to cover the face value', () => {
    const cheap = { ...round, denominations: [{ faceValue: 5000, minSpend: 4999, quantity: 1 }] };
    expect(problemsOf(() => assertRoundFitsCampaign(campaign, cheap, TZ))).toEqual(['denominations.0.minSpend']);
  });

  it('sums face value times quantity', () => {
    expect(
      roundFaceValue([
        { faceValue: 5000, minSpend: 20000, quantity: 1000 },
        { faceValue: 2000, minSpend: 10000, quantity: 2500 },
      ]),
    ).toBe(10_000_000);
  });

  it('moves draft → active → closed only', () => {
    expect(allowedFrom('publish')).toEqual(['draft']);
    expect(allowedFrom('close')).toEqual(['draft', 'active']);
  });

  it('edits any field of a draft, the budget, end and description of an active campaign, nothing of a closed one', () => {
    const every = { name: 'n', budget: 1, startsAt: campaign.startsAt, endsAt: campaign.endsAt, description: 'd' };
    expect(codeOf(() => assertEditable('draft', every))).toBeUndefined();
    expect(codeOf(() => assertEditable('active', { budget: 1, endsAt: campaign.endsAt, description: 'd' }))).toBeUndefined();
    expect(codeOf(() => assertEditable('active', { name: 'n' }))).toBe('INVALID_STATE');
    expect(codeOf(() => assertEditable('active', { startsAt: campaign.startsAt }))).toBe('INVALID_STATE');
    expect(codeOf(() => assertEditable('closed', { description: 'd' }))).toBe('INVALID_STATE');
    expect(codeOf(() => assertEditable('closed', {}))).toBeUndefined();
  });

  it('keeps only the fields given', () => {
    expect(editOf({ name: undefined, budget: 5, description: null as unknown as string })).toEqual({ budget: 5 });
  });

  it('counts only a higher budget of an active campaign as a rise, and sends a rise for approval on its own', () => {
    expect(raisesBudget({ status: 'active', budget: 100 }, { budget: 101 })).toBe(true);
    expect(raisesBudget({ status: 'active', budget: 100 }, { budget: 100 })).toBe(false);
    expect(raisesBudget({ status: 'active', budget: 100 }, { budget: 99 })).toBe(false);
    expect(raisesBudget({ status: 'draft', budget: 100 }, { budget: 101 })).toBe(false);
    expect(raisesBudget({ status: 'active', budget: 100 }, { description: 'd' })).toBe(false);
    expect(problemsOf(() => assertRiseAlone({ budget: 101 }))).toEqual([]);
    expect(problemsOf(() => assertRiseAlone({ budget: 101, description: 'd', endsAt: campaign.endsAt }))).toEqual([
      'description',
      'endsAt',
    ]);
  });

  it('publishes only the budget and dates that were asked for', () => {
    const asked = { ...campaign, budget: 1000 };
    const terms = publicationTerms(asked);
    expect(matchesTerms(asked, terms)).toBe(true);
    expect(matchesTerms({ ...asked, budget: 1001 }, terms)).toBe(false);
    expect(matchesTerms({ ...asked, endsAt: at('2026-12-30T00:00:00+08:00') }, terms)).toBe(false);
    expect(matchesTerms({ ...asked, startsAt: at('2026-01-02T00:00:00+08:00') }, terms)).toBe(false);
  });

  it('keeps every round inside the campaign when its dates move', () => {
    expect(problemsOf(() => assertPeriodHoldsRounds(campaign, [round], TZ))).toEqual([]);
    expect(
      problemsOf(() => assertPeriodHoldsRounds({ startsAt: campaign.startsAt, endsAt: round.voucherValidUntil }, [round], TZ)),
    ).toEqual([]);
    const tooShort = { startsAt: round.claimOpensAt, endsAt: at('2026-02-28T23:59:59+08:00') };
    expect(problemsOf(() => assertPeriodHoldsRounds(tooShort, [round], TZ))).toEqual(['endsAt']);
    const lateStart = { startsAt: at('2026-02-01T10:00:01+08:00'), endsAt: campaign.endsAt };
    expect(problemsOf(() => assertPeriodHoldsRounds(lateStart, [round], TZ))).toEqual(['startsAt']);
    expect(problemsOf(() => assertPeriodHoldsRounds(tooShort, [], TZ))).toEqual([]);
  });
});
