import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { REDIS } from '../redis/redis.module';
import { defineLuaCommand } from '../redis/lua';
import { roundKeys } from './claim-keys';
import { MicroBatcher } from '../common/micro-batcher';
import type { RoundState } from './claim-state';

/** Why the claim script refused a claim. */
export type Refusal = 'NOT_LOADED' | 'NOT_FOUND' | 'ROUND_NOT_OPEN' | 'ALREADY_CLAIMED' | 'SOLD_OUT' | 'BUDGET_EXHAUSTED';

/** How long the voucher will be valid: the round's fixed period, or days counted from the claim. */
export type ValidityTerms = { kind: 'fixed'; validFrom: Date; validUntil: Date } | { kind: 'fromClaim'; days: number };

/** An admitted claim: what it holds in Redis until its voucher is stored or it is given back. */
export interface Reservation {
  roundId: string;
  denominationId: string;
  residentId: string;
  slot: number;
  seq: number;
  generation: string;
  faceValue: number;
  minSpend: number;
  campaignId: string;
  theme: string;
  validity: ValidityTerms;
}

export type Admission = { admitted: true; reservation: Reservation } | { admitted: false; refusal: Refusal };

/** Which parts of a reservation to give back (a part another voucher already holds stays taken). */
export interface ReleaseParts {
  slot: boolean;
  seq: boolean;
  budget: boolean;
}

type ClaimReply = [string, ...string[]];

interface ClaimCommands {
  claimAdmit(
    meta: string,
    slots: string,
    residents: string,
    denominationId: string,
    now: number,
    ...residentIds: string[]
  ): Promise<ClaimReply[]>;
  claimRelease(
    meta: string,
    slots: string,
    residents: string,
    generation: string,
    slot: string,
    residentId: string,
    seq: string,
    face: number,
  ): Promise<number>;
  claimClose(meta: string): Promise<number>;
}

const SADD_CHUNK = 5000;
/** Claims decided by one script call at most, and calls in flight per denomination. */
const ADMISSION_BATCH_SIZE = 100;
const ADMISSION_CONCURRENT_BATCHES = 2;
/** Denominations with an admission batcher kept; beyond it the map starts over. */
const ADMISSION_BATCHERS_LIMIT = 10_000;

/**
 * The claim engine's Redis side: atomic admission (claim.lua), giving reservations back
 * (release.lua), and writing a round's whole derived state in one MULTI/EXEC.
 */
@Injectable()
export class ClaimLedger {
  private readonly commands: ClaimCommands;
  /** Per round and denomination: concurrent claims leave in one script call (claim.lua). */
  private readonly admissions = new Map<string, MicroBatcher<string, ClaimReply>>();

  constructor(@Inject(REDIS) private readonly redis: Redis) {
    defineLuaCommand(redis, 'claimAdmit', join(__dirname, 'claim.lua'));
    defineLuaCommand(redis, 'claimRelease', join(__dirname, 'release.lua'));
    defineLuaCommand(redis, 'claimClose', join(__dirname, 'close.lua'));
    this.commands = redis as unknown as ClaimCommands;
  }

  /**
   * Decides one claim. Claims on the same denomination arriving together are decided by one
   * script call, each exactly as if alone, at the moment the call runs.
   */
  async admit(roundId: string, denominationId: string, residentId: string): Promise<Admission> {
    const reply = await this.admissionBatcher(roundId, denominationId).submit(residentId);
    if (reply[0] !== 'OK') return { admitted: false, refusal: reply[0] as Refusal };
    const [, slot, seq, generation, face, minSpend, campaignId, theme, validFrom, validUntil, validDays] = reply as string[];
    const days = Number(validDays ?? 0);
    return {
      admitted: true,
      reservation: {
        roundId,
        denominationId,
        residentId,
        slot: Number(slot),
        seq: Number(seq),
        generation: generation,
        faceValue: Number(face),
        minSpend: Number(minSpend),
        campaignId: campaignId,
        theme: theme,
        validity:
          days > 0 ? { kind: 'fromClaim', days } : { kind: 'fixed', validFrom: new Date(validFrom), validUntil: new Date(validUntil) },
      },
    };
  }

  private admissionBatcher(roundId: string, denominationId: string): MicroBatcher<string, ClaimReply> {
    const id = `${roundId} ${denominationId}`;
    let batcher = this.admissions.get(id);
    if (!batcher) {
      const keys = roundKeys(roundId);
      batcher = new MicroBatcher({
        maxBatchSize: ADMISSION_BATCH_SIZE,
        maxConcurrentFlushes: ADMISSION_CONCURRENT_BATCHES,
        flush: (residentIds) =>
          this.commands.claimAdmit(keys.meta, keys.slots(denominationId), keys.residents, denominationId, Date.now(), ...residentIds),
      });
      if (this.admissions.size >= ADMISSION_BATCHERS_LIMIT) this.admissions.clear();
      this.admissions.set(id, batcher);
    }
    return batcher;
  }

  async release(reservation: Reservation, parts: ReleaseParts): Promise<void> {
    const keys = roundKeys(reservation.roundId);
    await this.commands.claimRelease(
      keys.meta,
      keys.slots(reservation.denominationId),
      keys.residents,
      reservation.generation,
      parts.slot ? String(reservation.slot) : '',
      reservation.residentId,
      parts.seq ? String(reservation.seq) : '',
      parts.budget ? reservation.faceValue : 0,
    );
  }

  /** Stops admission to the round at once (close.lua); false when Redis holds no state for it. */
  async stopAdmission(roundId: string): Promise<boolean> {
    return (await this.commands.claimClose(roundKeys(roundId).meta)) === 1;
  }

  /** Replaces the round's state in one transaction: a claim sees either the old state or the new one. */
  async load(state: RoundState): Promise<void> {
    const keys = roundKeys(state.roundId);
    const meta: Record<string, string | number> = {
      generation: state.generation,
      active: state.active ? '1' : '0',
      opensAt: state.opensAt,
      closesAt: state.closesAt,
      limit: state.perResidentLimit,
      budget: state.budgetLeft,
      campaignId: state.campaignId,
      theme: state.theme,
      validFrom: state.validFrom,
      validUntil: state.validUntil,
      validDays: state.validDays,
    };
    for (const d of state.denominations) {
      meta[`face:${d.id}`] = d.faceValue;
      meta[`min:${d.id}`] = d.minSpend;
    }
    const allKeys = [keys.meta, keys.residents, ...state.denominations.map((d) => keys.slots(d.id))];
    const tx = this.redis.multi();
    tx.del(...allKeys);
    for (const d of state.denominations) {
      for (let i = 0; i < d.freeSlots.length; i += SADD_CHUNK) tx.sadd(keys.slots(d.id), ...d.freeSlots.slice(i, i + SADD_CHUNK));
    }
    const residents = [...state.residents].flat();
    for (let i = 0; i < residents.length; i += 2 * SADD_CHUNK) tx.hset(keys.residents, ...residents.slice(i, i + 2 * SADD_CHUNK));
    // The meta hash is written last: the claim script treats a round without it as not loaded.
    tx.hset(keys.meta, meta);
    for (const key of allKeys) tx.pexpireat(key, state.expiresAt);
    const results = await tx.exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw failed?.[0] ?? new Error(`loading claim state of round ${state.roundId} was aborted`);
  }

  /** Live stock per denomination, or undefined when the round's state is not in Redis. */
  async remaining(roundId: string, denominationIds: readonly string[]): Promise<Map<string, number> | undefined> {
    const keys = roundKeys(roundId);
    const pipeline = this.redis.pipeline().exists(keys.meta);
    for (const id of denominationIds) pipeline.scard(keys.slots(id));
    const results = (await pipeline.exec()) ?? [];
    const error = results.find(([e]) => e)?.[0];
    if (error) throw error;
    if (results[0]?.[1] !== 1) return undefined;
    return new Map(denominationIds.map((id, i) => [id, Number(results[i + 1]?.[1] ?? 0)]));
  }
}
