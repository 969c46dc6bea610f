import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { notFound } from '../common/errors/domain-error';
import type { Page } from '../common/http/pagination';
import { issueApiKey, hashApiKey } from '../auth/api-keys';
import { CreateMerchantDto, ListMerchantsQuery, UpdateMerchantDto } from './dto/merchant.dto';
import { Merchant } from './merchant.entity';

const API_KEY_CACHE_TTL_MS = 60_000;
const API_KEY_CACHE_MAX_ENTRIES = 10_000;

@Injectable()
export class MerchantsService {
  private readonly merchantIdsByKeyHash = new Map<string, { merchantId: string; until: number }>();

  constructor(@InjectRepository(Merchant) private readonly merchants: Repository<Merchant>) {}

  /** Registers a merchant and issues its API key, returned here once and stored only as a hash. */
  async register(input: CreateMerchantDto): Promise<{ merchant: Merchant; apiKey: string }> {
    const apiKey = issueApiKey();
    const merchant = await this.merchants.save(
      this.merchants.create({
        name: input.name,
        themes: input.themes,
        status: 'active',
        bankName: input.settlementAccount.bankName,
        accountName: input.settlementAccount.accountName,
        accountNumber: input.settlementAccount.accountNumber,
        apiKeyHash: apiKey.hash,
        apiKeyHint: apiKey.hint,
      }),
    );
    return { merchant, apiKey: apiKey.key };
  }

  async list(query: ListMerchantsQuery): Promise<Page<Merchant>> {
    const qb = this.merchants.createQueryBuilder('m').orderBy('m.created_at', 'ASC').addOrderBy('m.id', 'ASC');
    if (query.status) qb.andWhere('m.status = :status', { status: query.status });
    if (query.theme) qb.andWhere(':theme = ANY(m.themes)', { theme: query.theme });
    const [items, total] = await qb.take(query.limit).skip(query.offset).getManyAndCount();
    return { items, total };
  }

  async get(id: string): Promise<Merchant> {
    const merchant = await this.merchants.findOneBy({ id });
    if (!merchant) throw notFound('merchant', id);
    return merchant;
  }

  async update(id: string, change: UpdateMerchantDto): Promise<Merchant> {
    const merchant = await this.get(id);
    if (change.status) merchant.status = change.status;
    if (change.themes) merchant.themes = change.themes;
    return this.merchants.save(merchant);
  }

  /**
   * The merchant an API key belongs to, whatever its status (suspension is checked per
   * action, on a fresh read of the merchant). A key never changes owner, so known keys are
   * remembered for a short while: a checkout then spends no query on authentication.
   * Unknown keys are never remembered, so a new merchant's key works at once and guessing
   * cannot fill the cache.
   */
  async findIdByApiKey(apiKey: string): Promise<string | undefined> {
    const hash = hashApiKey(apiKey);
    const cached = this.merchantIdsByKeyHash.get(hash);
    if (cached && cached.until > Date.now()) return cached.merchantId;
    const row = await this.merchants.findOne({ select: { id: true }, where: { apiKeyHash: hash } });
    if (!row) return undefined;
    if (this.merchantIdsByKeyHash.size >= API_KEY_CACHE_MAX_ENTRIES) this.merchantIdsByKeyHash.clear();
    this.merchantIdsByKeyHash.set(hash, { merchantId: row.id, until: Date.now() + API_KEY_CACHE_TTL_MS });
    return row.id;
  }
}
