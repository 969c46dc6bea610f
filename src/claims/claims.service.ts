import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import type { CampaignStatus } from '../campaigns/campaign.entity';
import { CampaignsService } from '../campaigns/campaigns.service';
import type { Round } from '../campaigns/round.entity';
import { DomainError, notFound, serviceUnavailable } from '../common/errors/domain-error';
import { toErrorResponse } from '../common/errors/error-mapping';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { generateVoucherCode } from '../vouchers/voucher-code';
import type { Voucher } from '../vouchers/voucher.entity';
import { validityFromClaim } from '../vouchers/voucher.rules';
import { NewClaimedVoucher, VouchersService } from '../vouchers/vouchers.service';
import { Admission, ClaimLedger, Refusal, ReleaseParts, Reservation } from './claim-ledger';
import { ClaimStateLoader } from './claim-state.loader';
import { VoucherWriter } from './voucher-writer';

/**
 * How many times one claim may be admitted again after its slot or claim number turned out
 * to be taken in PostgreSQL (Redis state rebuilt while claims were in flight). Each retry
 * uses up the stale slot or number, so this is only ever reached by a broken state.
 */
const MAX_ADMISSIONS = 8;
/** Writes of one admitted claim (a new code each time) before giving its reservation back. */
const MAX_WRITES = 3;
const ROUND_CACHE_LIMIT = 10_000;

/**
 * The answers to refused claims, made once: during a flash sale almost every request is
 * refused, and an expected refusal needs no fresh stack trace (capturing one per request
 * measured as a visible share of the claim path's CPU).
 */
const REFUSALS: Record<Exclude<Refusal, 'NOT_LOADED'>, DomainError> = {
  NOT_FOUND: notFound('denomination'),
  ROUND_NOT_OPEN: new DomainError(
    'ROUND_NOT_OPEN',
    'Claims for this round are not open (outside the claim window, or the campaign is not active)',
  ),
  ALREADY_CLAIMED: new DomainError('ALREADY_CLAIMED', "You already hold this round's limit of vouchers"),
  SOLD_OUT: new DomainError('SOLD_OUT', 'No vouchers of this denomination are left'),
  BUDGET_EXHAUSTED: new DomainError('SOLD_OUT', 'The campaign budget for this round is used up'),
};

const EVERYTHING: ReleaseParts = { slot: true, seq: true, budget: true };

/** Who may see a round: bureau staff any; everyone else only rounds of published campaigns. */
function visibleStatuses(principal: Principal | undefined): readonly CampaignStatus[] | undefined {
  return principal?.role === 'bureau' ? undefined : ['active', 'closed'];
}

/**
 * Flash claims: admission in Redis (one atomic script per claim), truth in PostgreSQL (the
 * voucher row, committed before the answer). Refusals are decided by Redis alone.
 */
@Injectable()
export class ClaimsService {
  private readonly logger = new Logger(ClaimsService.name);
  /** Denomination id → round id. Never changes once created, so it is cached for good. */
  private readonly roundOfDenomination = new Map<string, string>();

  constructor(
    private readonly ledger: ClaimLedger,
    private readonly loader: ClaimStateLoader,
    private readonly writer: VoucherWriter,
    private readonly vouchers: VouchersService,
    private readonly campaigns: CampaignsService,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async claim(residentId: string, denominationId: string): Promise<Voucher> {
    try {
      const voucher = await this.admitAndStore(residentId, denominationId);
      this.metrics.claims.inc({ outcome: 'created' });
      return voucher;
    } catch (error) {
      this.metrics.claims.inc({ outcome: toErrorResponse(error).body.code });
      throw error;
    }
  }

  /** The round with live `remaining` per denomination (from Redis; loaded from PostgreSQL if absent). */
  async roundWithRemaining(roundId: string, principal?: Principal): Promise<{ round: Round; remaining: Map<string, number> }> {
    const round = await this.campaigns.getRound(roundId);
    await this.campaigns.get(round.campaignId, visibleStatuses(principal));
    const ids = round.denominations.map((d) => d.id);
    const live = await this.ledger.remaining(roundId, ids);
    if (live) return { round, remaining: live };
    const state = await this.loader.load(roundId, false);
    return { round, remaining: new Map(state.denominations.map((d) => [d.id, d.freeSlots.length])) };
  }

  private async admitAndStore(residentId: string, denominationId: string): Promise<Voucher> {
    const roundId = await this.roundOf(denominationId);
    for (let attempt = 1; attempt <= MAX_ADMISSIONS; attempt++) {
      const admission = await this.admit(roundId, denominationId, residentId);
      if (!admission.admitted) throw REFUSALS[admission.refusal as Exclude<Refusal, 'NOT_LOADED'>];
      const voucher = await this.store(admission.reservation);
      if (voucher) return voucher;
    }
    this.logger.error(`claim for denomination ${denominationId} met taken slots ${MAX_ADMISSIONS} times; run npm run reconcile`);
    throw serviceUnavailable('Claims are being reconciled; try again shortly');
  }

  private async admit(roundId: string, denominationId: string, residentId: string): Promise<Admission> {
    const admission = await this.ledger.admit(roundId, denominationId, residentId);
    if (admission.admitted || admission.refusal !== 'NOT_LOADED') return admission;
    await this.loader.load(roundId, false);
    const retried = await this.ledger.admit(roundId, denominationId, residentId);
    if (!retried.admitted && retried.refusal === 'NOT_LOADED') throw serviceUnavailable('Claim state is being loaded; try again shortly');
    return retried;
  }

  /**
   * Writes the admitted voucher. Returns it once committed; undefined when its slot or
   * claim number was already taken in PostgreSQL (admit again). If the write fails, the
   * reservation is given back and the error (a 503 for an outage) reaches the caller.
   */
  private async store(reservation: Reservation): Promise<Voucher | undefined> {
    const row = this.toRow(reservation);
    for (let write = 1; ; write++) {
      const result = await this.writer.write(row).catch(async (error: unknown) => {
        await this.release(reservation, EVERYTHING);
        throw error;
      });
      switch (result.outcome) {
        case 'stored':
          return this.toVoucher(row, result.claimedAt);
        case 'beyond-quantity':
          await this.release(reservation, { slot: false, seq: true, budget: true });
          throw REFUSALS.SOLD_OUT;
        case 'beyond-limit':
          await this.release(reservation, { slot: true, seq: false, budget: true });
          throw REFUSALS.ALREADY_CLAIMED;
        case 'round-ended':
          // Its stock is already counted as given back by the close (quantity − vouchers stored).
          await this.release(reservation, EVERYTHING);
          throw REFUSALS.ROUND_NOT_OPEN;
        case 'conflict': {
          const taken = await this.vouchers.claimConflict(row);
          if (taken === 'stored') return this.toVoucher(row, new Date());
          if (taken === 'stock_slot') return this.releaseAndRetry(reservation, { slot: false, seq: true, budget: true });
          if (taken === 'claim_seq') return this.releaseAndRetry(reservation, { slot: true, seq: false, budget: true });
          // An astronomically unlikely code collision (100 random bits), or a conflict gone meanwhile: write again.
          if (write >= MAX_WRITES) {
            await this.release(reservation, EVERYTHING);
            throw serviceUnavailable('The voucher could not be stored; try again shortly');
          }
          row.code = generateVoucherCode();
        }
      }
    }
  }

  private async releaseAndRetry(reservation: Reservation, parts: ReleaseParts): Promise<undefined> {
    await this.release(reservation, parts);
    return undefined;
  }

  /** Best effort: if Redis is away too, the reservation stays taken until reconciliation rebuilds the state. */
  private async release(reservation: Reservation, parts: ReleaseParts): Promise<void> {
    await this.ledger.release(reservation, parts).catch((error: unknown) => {
      this.logger.warn(
        `could not give back a reservation in round ${reservation.roundId}: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  }

  private async roundOf(denominationId: string): Promise<string> {
    const cached = this.roundOfDenomination.get(denominationId);
    if (cached) return cached;
    const roundId = await this.campaigns.getDenominationRoundId(denominationId);
    if (this.roundOfDenomination.size >= ROUND_CACHE_LIMIT) this.roundOfDenomination.clear();
    this.roundOfDenomination.set(denominationId, roundId);
    return roundId;
  }

  /** The voucher row; validity counted from the claim starts now, the moment it was admitted. */
  private toRow(reservation: Reservation): NewClaimedVoucher {
    const { validity } = reservation;
    const { validFrom, validUntil } =
      validity.kind === 'fixed' ? validity : validityFromClaim(new Date(), validity.days, this.config.campaignTimezone);
    return {
      id: randomUUID(),
      code: generateVoucherCode(),
      residentId: reservation.residentId,
      campaignId: reservation.campaignId,
      roundId: reservation.roundId,
      denominationId: reservation.denominationId,
      theme: reservation.theme,
      faceValue: reservation.faceValue,
      minSpend: reservation.minSpend,
      validFrom,
      validUntil,
      stockSlot: reservation.slot,
      claimSeq: reservation.seq,
    };
  }

  private toVoucher(row: NewClaimedVoucher, claimedAt: Date): Voucher {
    return {
      id: row.id,
      code: row.code,
      residentId: row.residentId,
      campaignId: row.campaignId,
      roundId: row.roundId,
      denominationId: row.denominationId,
      theme: row.theme as Voucher['theme'],
      faceValue: row.faceValue,
      minSpend: row.minSpend,
      validFrom: row.validFrom,
      validUntil: row.validUntil,
      status: 'claimed',
      claimedAt,
      redeemedAt: null,
      updatedAt: claimedAt,
    };
  }
}
