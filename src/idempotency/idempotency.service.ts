import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DomainError, ErrorCode } from '../common/errors/domain-error';
import { UnitOfWork } from '../database/unit-of-work';
import { decideExistingKey, isFinalFailure, requestFingerprint } from './idempotency.rules';
import { IdempotencyStore, Lease } from './idempotency.store';

export interface IdempotentRequest {
  /** Keys are scoped per merchant: two merchants may use the same key independently. */
  merchantId: string;
  key: string;
  /** The method and target, e.g. "POST /redemptions": part of what makes a request "the same". */
  operation: string;
  /** The validated body. */
  payload: unknown;
}

export interface IdempotentResult<T> {
  body: T;
  /** True when this is the stored answer to an earlier request with the same key. */
  replayed: boolean;
}

/** Runs the writes in one transaction together with recording their result as the key's answer. */
export type Commit<T> = (writes: (manager: EntityManager) => Promise<T>) => Promise<T>;

/** Response header marking a replayed answer (Stripe's name). */
export const REPLAYED_HEADER = 'Idempotent-Replayed';

interface StoredError {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/**
 * Makes a write safe to repeat (IETF draft-ietf-httpapi-idempotency-key-header, Stripe's
 * behaviour). The key is claimed atomically before any work; the work and the answer it
 * produced commit in one transaction; a repeat with the same body gets that answer again, a
 * repeat with another body 422 IDEMPOTENCY_KEY_REUSED, a repeat while the first is running
 * 409 IDEMPOTENCY_IN_PROGRESS.
 */
@Injectable()
export class IdempotencyService {
  private readonly logger = new Logger(IdempotencyService.name);

  constructor(
    private readonly store: IdempotencyStore,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  /**
   * Runs `work` once per key. `work` may read and refuse freely, and does its writes through
   * `commit`: one transaction in which its result (JSON-serialisable) is stored as the
   * key's answer with `status`, so the work and its recorded answer commit together. A final
   * business refusal (see isFinalFailure) is stored too and replayed as the same error;
   * anything else releases the key so that a retry runs afresh.
   */
  async run<T>(request: IdempotentRequest, status: number, work: (commit: Commit<T>) => Promise<T>): Promise<IdempotentResult<T>> {
    const fingerprint = requestFingerprint(request.operation, request.payload);
    const lease = await this.acquire(request, fingerprint);
    if ('replay' in lease) return lease.replay as IdempotentResult<T>;

    const commit: Commit<T> = (writes) =>
      this.unitOfWork.run(async (manager) => {
        const result = await writes(manager);
        // False only when our lease ran out and another request took the key over: roll back.
        if (!(await this.store.complete(lease, status, result, manager))) throw this.inProgress();
        return result;
      });
    try {
      return { body: await work(commit), replayed: false };
    } catch (error) {
      if (isFinalFailure(error)) {
        const stored: StoredError = {
          code: error.code,
          message: error.message,
          ...(error.details === undefined ? {} : { details: error.details }),
        };
        await this.store.complete(lease, error.status, stored).catch((storeError: unknown) =>
          // Unrecorded, the lease runs out and a retry decides again (and refuses again).
          this.logger.warn(`could not record a refusal for an idempotency key: ${String(storeError)}`),
        );
      } else {
        await this.store.release(lease).catch((releaseError: unknown) =>
          // The lease then simply runs out; the key becomes usable again after IN_PROGRESS_LEASE_SECONDS.
          this.logger.warn(`could not release an idempotency key after a failure: ${String(releaseError)}`),
        );
      }
      throw error;
    }
  }

  /** Claims the key, or answers from what is stored for it. */
  private async acquire(request: IdempotentRequest, fingerprint: string): Promise<Lease | { replay: IdempotentResult<unknown> }> {
    const token = randomUUID();
    // A few rounds cover the races between claim, look-up, take-over and purge; each round
    // either decides or observes that another request changed the row in between.
    for (let round = 0; round < 3; round++) {
      const claimed = await this.store.claim(request.merchantId, request.key, fingerprint, token);
      if (claimed) return claimed;
      const stored = await this.store.find(request.merchantId, request.key);
      if (!stored) continue; // purged or released since our insert: claim again
      switch (decideExistingKey(stored, fingerprint)) {
        case 'reused':
          throw keyReused();
        case 'in-progress':
          throw this.inProgress();
        case 'replay':
          return { replay: this.replay(stored.responseStatus ?? 200, stored.responseBody) };
        case 'take-over': {
          const taken = await this.store.takeOver(stored.id, token);
          if (taken) return taken;
          continue;
        }
      }
    }
    throw this.inProgress();
  }

  /**
   * The answer to a request whose key another request of this process is working on outside
   * the key's row (the redemption fast path, which records its key only when it commits):
   * the answer it would get if that request held the key.
   */
  refuseWhileHeld(heldFingerprint: string, fingerprint: string): DomainError {
    const decision = decideExistingKey({ fingerprint: heldFingerprint, state: 'in_progress', stale: false }, fingerprint);
    return decision === 'reused' ? keyReused() : this.inProgress();
  }

  private replay(status: number, body: unknown): IdempotentResult<unknown> {
    if (status >= 400) {
      const stored = body as StoredError;
      throw new DomainError(stored.code, stored.message, stored.details, { [REPLAYED_HEADER]: 'true' });
    }
    return { body, replayed: true };
  }

  private inProgress(): DomainError {
    return new DomainError(
      'IDEMPOTENCY_IN_PROGRESS',
      'A request with this Idempotency-Key is still being processed; retry shortly',
      undefined,
      {
        'Retry-After': '1',
      },
    );
  }

  /** The maintenance job's purge of keys past retention. */
  purgeExpired(): Promise<number> {
    return this.store.purgeExpired();
  }
}

function keyReused(): DomainError {
  return new DomainError(
    'IDEMPOTENCY_KEY_REUSED',
    'This Idempotency-Key was already used with a different request; use a new key for a new request',
  );
}
