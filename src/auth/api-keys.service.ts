import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type Redis from 'ioredis';
import { EntityManager, IsNull, Repository } from 'typeorm';
import { forbidden, notFound, serviceUnavailable } from '../common/errors/domain-error';
import { UnitOfWork } from '../database/unit-of-work';
import { REDIS } from '../redis/redis.module';
import { hashApiKey, issueApiKey } from './api-keys';
import { MerchantApiKey } from './merchant-api-key.entity';

/** How long a valid key's owner is remembered in Redis, and how long a revoked key's tombstone outlives that. */
const CACHE_TTL_SECONDS = 300;
const TOMBSTONE_TTL_SECONDS = 2 * CACHE_TTL_SECONDS;
const REVOKED = 'revoked';
/** lastUsedAt is written at most this often per key and API process. */
const LAST_USED_INTERVAL_MS = 60_000;
const LAST_USED_MAX_ENTRIES = 10_000;

export interface ApiKeyOwner {
  merchantId: string;
  keyId: string;
}

const cacheKey = (hash: string): string => `apikey:${hash}`;

/**
 * Merchant API keys: issued (shown once, stored as a hash), listed, revoked, and resolved
 * to their merchant on every merchant request. A resolved key is remembered in Redis, so
 * a burst of checkouts costs no query; revocation replaces that entry by a tombstone, and
 * lookups only ever add entries with SET NX, so a lookup that read the key just before it
 * was revoked cannot bring it back: every API process refuses the key on its next request.
 */
@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger(ApiKeysService.name);
  private readonly lastUsedWrites = new Map<string, number>();
  /** Lookups in flight, so a burst with a key not cached yet asks the database once per process. */
  private readonly lookups = new Map<string, Promise<ApiKeyOwner | undefined>>();

  constructor(
    @InjectRepository(MerchantApiKey) private readonly keys: Repository<MerchantApiKey>,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly uow: UnitOfWork,
  ) {}

  /** Issues a key inside the caller's transaction; the returned `apiKey` is never stored. */
  async issue(manager: EntityManager, merchantId: string, label: string): Promise<{ key: MerchantApiKey; apiKey: string }> {
    const issued = issueApiKey();
    const key = await manager.save(
      manager.create(MerchantApiKey, { merchantId, label, keyHash: issued.hash, hint: issued.hint, lastUsedAt: null, revokedAt: null }),
    );
    return { key, apiKey: issued.key };
  }

  async list(merchantId: string): Promise<MerchantApiKey[]> {
    return this.keys.find({ where: { merchantId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /**
   * Revokes one of the merchant's keys (again: no change, and `alsoRecord` is not called).
   * Effective on the next request of every process. `alsoRecord` writes, inside the
   * revocation's transaction, what must commit with it (the caller's audit event).
   */
  async revoke(
    merchantId: string,
    keyId: string,
    alsoRecord: (manager: EntityManager, change: { before: MerchantApiKey; after: MerchantApiKey }) => Promise<void>,
  ): Promise<MerchantApiKey> {
    let tombstone: string | undefined;
    try {
      return await this.uow.run(async (manager) => {
        // Locked, so two revocations at once change it (and record it) once.
        const key = await manager.findOne(MerchantApiKey, {
          select: {
            id: true,
            merchantId: true,
            label: true,
            hint: true,
            keyHash: true,
            createdAt: true,
            lastUsedAt: true,
            revokedAt: true,
          },
          where: { id: keyId },
          lock: { mode: 'pessimistic_write' },
        });
        if (!key) throw notFound('API key', keyId);
        if (key.merchantId !== merchantId) throw forbidden('This API key belongs to another merchant');
        if (key.revokedAt) return key;
        // The tombstone goes first: from then on no process uses a cached entry, and a lookup
        // racing with this update cannot add one (SET NX). If Redis is away, nothing changes (503).
        try {
          await this.redis.set(cacheKey(key.keyHash), REVOKED, 'EX', TOMBSTONE_TTL_SECONDS);
        } catch {
          throw serviceUnavailable('Redis unavailable; the key was not revoked');
        }
        tombstone = cacheKey(key.keyHash);
        await manager.update(MerchantApiKey, { id: keyId }, { revokedAt: new Date() });
        const revoked = await manager.findOneByOrFail(MerchantApiKey, { id: keyId });
        await alsoRecord(manager, { before: key, after: revoked });
        return revoked;
      });
    } catch (error) {
      // Nothing was revoked: the key works again at once rather than when the tombstone expires.
      if (tombstone) await this.redis.del(tombstone).catch(() => undefined);
      throw error;
    }
  }

  /**
   * The owner of a valid (unrevoked) key, or undefined. A key in the Redis cache costs no
   * query; `beforeQuery` runs before the database is asked and may throw (a throttled client).
   */
  async resolve(apiKey: string, beforeQuery: () => void): Promise<ApiKeyOwner | undefined> {
    const hash = hashApiKey(apiKey);
    let cached: string | null;
    try {
      cached = await this.redis.get(cacheKey(hash));
    } catch {
      throw serviceUnavailable('Redis unavailable');
    }
    if (cached === REVOKED) return undefined;
    let owner: ApiKeyOwner | undefined;
    if (cached) {
      owner = JSON.parse(cached) as ApiKeyOwner;
    } else {
      beforeQuery();
      owner = await this.lookUp(hash);
    }
    if (owner) this.touch(owner.keyId);
    return owner;
  }

  private lookUp(hash: string): Promise<ApiKeyOwner | undefined> {
    let lookup = this.lookups.get(hash);
    if (!lookup) {
      lookup = this.queryAndCache(hash).finally(() => this.lookups.delete(hash));
      this.lookups.set(hash, lookup);
    }
    return lookup;
  }

  private async queryAndCache(hash: string): Promise<ApiKeyOwner | undefined> {
    const row = await this.keys.findOne({ select: { id: true, merchantId: true }, where: { keyHash: hash, revokedAt: IsNull() } });
    if (!row) return undefined;
    const owner: ApiKeyOwner = { merchantId: row.merchantId, keyId: row.id };
    // Best effort: without the entry the next request simply asks the database again.
    await this.redis.set(cacheKey(hash), JSON.stringify(owner), 'EX', CACHE_TTL_SECONDS, 'NX').catch(() => undefined);
    return owner;
  }

  /** Records use without a write per request: at most one update a minute per key and process, off the request's path. */
  private touch(keyId: string): void {
    const now = Date.now();
    if ((this.lastUsedWrites.get(keyId) ?? 0) > now - LAST_USED_INTERVAL_MS) return;
    if (this.lastUsedWrites.size >= LAST_USED_MAX_ENTRIES) this.lastUsedWrites.clear();
    this.lastUsedWrites.set(keyId, now);
    this.keys.update({ id: keyId }, { lastUsedAt: new Date(now) }).catch((error: unknown) => {
      this.logger.warn(`could not record the last use of API key ${keyId}: ${String(error)}`);
    });
  }
}
