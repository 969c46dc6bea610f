import { DomainError } from '../common/errors/domain-error';
import type { RoundSchedule } from './campaign.rules';
import type { RoundStatus } from './round.entity';

export type RoundAction = 'edit' | 'cancel' | 'close';

/**
 * Edits and cancels happen before the round's claim window opens, while nobody holds one of
 * its vouchers (`storedVouchers`, when known: claims admitted just as the window opened make
 * it too late); a close after it opened. Only an active round moves: cancelled and closed
 * are final.
 */
export function assertRoundMay(
  action: RoundAction,
  round: { status: RoundStatus; claimOpensAt: Date },
  now: Date,
  storedVouchers = 0,
): void {
  if (round.status !== 'active') throw new DomainError('INVALID_STATE', `The round is ${round.status}: it cannot be ${ACTED[action]}`);
  const opened = round.claimOpensAt.getTime() <= now.getTime();
  if (action === 'close' && !opened) {
    throw new DomainError('INVALID_STATE', 'The round’s claim window has not opened yet: cancel it instead of closing it');
  }
  if (action !== 'close' && opened) {
    throw new DomainError(
      'INVALID_STATE',
      `The round’s claim window opened at ${round.claimOpensAt.toISOString()}: it can only be closed now`,
    );
  }
  if (action !== 'close' && storedVouchers > 0) {
    throw new DomainError('INVALID_STATE', `${storedVouchers} vouchers of the round are already claimed: it can only be closed now`);
  }
}

const ACTED: Record<RoundAction, string> = { edit: 'edited', cancel: 'cancelled', close: 'closed' };

/** The fields `PATCH /rounds/:id` may set: any of the round's body. */
export type RoundEdit = Partial<Omit<RoundSchedule, 'voucherValidFrom' | 'voucherValidUntil' | 'voucherValidDays'>> & {
  name?: string;
  perResidentLimit?: number;
  voucherValidFrom?: Date;
  voucherValidUntil?: Date;
  voucherValidDays?: number;
};

export interface RoundBody extends RoundSchedule {
  name: string;
  perResidentLimit: number;
}

/**
 * The round as the edit leaves it. Giving `voucherValidDays` replaces a fixed period, giving
 * either end of a fixed period replaces a number of days (the other end must then be given
 * too, or was already there); giving both forms at once is refused by assertRoundFitsCampaign.
 */
export function editedRound(round: RoundBody, edit: RoundEdit): RoundBody {
  const fixedGiven = edit.voucherValidFrom !== undefined || edit.voucherValidUntil !== undefined;
  const daysGiven = edit.voucherValidDays !== undefined;
  const keepsFixed = !daysGiven || fixedGiven;
  return {
    name: edit.name ?? round.name,
    claimOpensAt: edit.claimOpensAt ?? round.claimOpensAt,
    claimClosesAt: edit.claimClosesAt ?? round.claimClosesAt,
    perResidentLimit: edit.perResidentLimit ?? round.perResidentLimit,
    voucherValidFrom: keepsFixed ? (edit.voucherValidFrom ?? round.voucherValidFrom) : null,
    voucherValidUntil: keepsFixed ? (edit.voucherValidUntil ?? round.voucherValidUntil) : null,
    voucherValidDays: fixedGiven && !daysGiven ? null : (edit.voucherValidDays ?? round.voucherValidDays),
    denominations: edit.denominations ?? round.denominations,
  };
}

/**
 * What a cancel or close gives back, per denomination: a cancel all its stock, a close the
 * stock no voucher was stored for.
 */
export function returnedQuantity(action: 'cancel' | 'close', denomination: { quantity: number }, storedVouchers: number): number {
  return action === 'cancel' ? denomination.quantity : Math.max(0, denomination.quantity - storedVouchers);
}

/** Face value a round commits against its campaign's budget: what was issued less what was given back. */
export function roundAllocation(denominations: ReadonlyArray<{ faceValue: number; quantity: number; returnedQuantity: number }>): number {
  return denominations.reduce((sum, d) => sum + d.faceValue * (d.quantity - d.returnedQuantity), 0);
}
