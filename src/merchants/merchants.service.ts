import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { AuditContext } from '../audit/audit.types';
import { DomainError, notFound } from '../common/errors/domain-error';
import type { Page } from '../common/http/pagination';
import { ApiKeysService } from '../auth/api-keys.service';
import type { MerchantApiKey } from '../auth/merchant-api-key.entity';
import { UnitOfWork } from '../database/unit-of-work';
import { OutstandingService } from '../settlement/outstanding.service';
import type { Payee, Payees } from '../settlement/payees';
import { holdOf, MerchantView, toApiKeyView, toMerchantSnapshot, toMerchantView } from './merchant.view';
import { decideHoldChange, HoldChange } from './merchant.rules';
import { CreateMerchantDto, ListMerchantsQuery, UpdateMerchantDto } from './dto/merchant.dto';
import { Merchant, MerchantStatus } from './merchant.entity';

/** The label of the key issued with the merchant's registration. */
export const REGISTRATION_KEY_LABEL = 'registration';

@Injectable()
export class MerchantsService implements Payees {
  constructor(
    @InjectRepository(Merchant) private readonly merchants: Repository<Merchant>,
    private readonly uow: UnitOfWork,
    private readonly apiKeys: ApiKeysService,
    private readonly outstanding: OutstandingService,
    private readonly audit: AuditService,
  ) {}

  /** Each merchant with what it owes, as the API shows it. */
  async views(merchants: Merchant[]): Promise<MerchantView[]> {
    const owed = await this.outstanding.forMerchants(merchants.map((m) => m.id));
    return merchants.map((m) => toMerchantView(m, owed.get(m.id) ?? 0));
  }

  /** Registers a merchant with its first API key ("registration"), returned here once and stored only as a hash. */
  async register(input: CreateMerchantDto, context: AuditContext): Promise<{ merchant: Merchant; apiKey: string }> {
    return this.uow.run(async (manager) => {
      const merchant = await manager.save(
        manager.create(Merchant, {
          name: input.name,
          themes: input.themes,
          status: 'active',
          bankName: input.settlementAccount.bankName,
          accountName: input.settlementAccount.accountName,
          accountNumber: input.settlementAccount.accountNumber,
        }),
      );
      const { key, apiKey } = await this.apiKeys.issue(manager, merchant.id, REGISTRATION_KEY_LABEL);
      await this.audit.record(manager, context, {
        action: 'merchant.created',
        subject: { type: 'merchant', id: merchant.id },
        after: toMerchantSnapshot(merchant),
      });
      await this.recordKeyCreated(manager, context, key);
      return { merchant, apiKey };
    });
  }

  /** Another key for one of the merchant's tills; shown once. */
  async issueKey(merchantId: string, label: string, context: AuditContext): Promise<{ key: MerchantApiKey; apiKey: string }> {
    return this.uow.run(async (manager) => {
      // Locks the merchant, so a key is never issued to a merchant that is being removed or changed under it.
      const merchant = await manager.findOne(Merchant, { where: { id: merchantId }, lock: { mode: 'pessimistic_read' } });
      if (!merchant) throw notFound('merchant', merchantId);
      const issued = await this.apiKeys.issue(manager, merchantId, label);
      await this.recordKeyCreated(manager, context, issued.key);
      return issued;
    });
  }

  async listKeys(merchantId: string): Promise<MerchantApiKey[]> {
    await this.get(merchantId);
    return this.apiKeys.list(merchantId);
  }

  async revokeKey(merchantId: string, keyId: string, context: AuditContext): Promise<MerchantApiKey> {
    await this.get(merchantId);
    return this.apiKeys.revoke(merchantId, keyId, (manager, { before, after }) =>
      this.audit.record(manager, context, {
        action: 'merchant_key.revoked',
        subject: { type: 'merchant_key', id: keyId },
        before: { merchantId, ...toApiKeyView(before) },
        after: { merchantId, ...toApiKeyView(after) },
      }),
    );
  }

  async list(query: ListMerchantsQuery): Promise<Page<Merchant>> {
    const qb = this.merchants.createQueryBuilder('m').orderBy('m.created_at', 'ASC').addOrderBy('m.id', 'ASC');
    if (query.status) qb.andWhere('m.status = :status', { status: query.status });
    if (query.theme) qb.andWhere(':theme = ANY(m.themes)', { theme: query.theme });
    if (query.outstanding) qb.andWhere('m.id = ANY(:owing)', { owing: await this.outstanding.owingMerchantIds() });
    const [items, total] = await qb.take(query.limit).skip(query.offset).getManyAndCount();
    return { items, total };
  }

  async get(id: string): Promise<Merchant> {
    const merchant = await this.merchants.findOneBy({ id });
    if (!merchant) throw notFound('merchant', id);
    return merchant;
  }

  /** The merchant's status and hold inside the caller's transaction, share-locked until it ends (a suspension or hold waits for it). */
  async lockedStatus(manager: EntityManager, id: string): Promise<{ status: MerchantStatus; heldAt: Date | null } | undefined> {
    return (
      (await manager.findOne(Merchant, {
        select: { id: true, status: true, heldAt: true },
        where: { id },
        lock: { mode: 'pessimistic_read' },
      })) ?? undefined
    );
  }

  /**
   * Holds a merchant (finance, SPEC "Settlement"): settlement runs leave it out until it is
   * released; redemption goes on. The row lock waits for a run settling the merchant at this
   * moment (it share-locks the row), so no statement is made for it once this has returned.
   * `context` is a staff member's: the route is finance's only.
   */
  async hold(id: string, reason: string, context: AuditContext): Promise<Merchant> {
    return this.changeHold(id, 'hold', context, (merchant) => {
      merchant.heldAt = new Date();
      merchant.holdReason = reason;
      merchant.heldBy = context.actor.id;
    });
  }

  /** Releases a held merchant: the first run after this settles everything the hold kept back. */
  async release(id: string, context: AuditContext): Promise<Merchant> {
    return this.changeHold(id, 'release', context, (merchant) => {
      merchant.heldAt = null;
      merchant.holdReason = null;
      merchant.heldBy = null;
    });
  }

  private changeHold(id: string, change: HoldChange, context: AuditContext, apply: (merchant: Merchant) => void): Promise<Merchant> {
    return this.uow.run(async (manager) => {
      const merchant = await this.lockedForChange(manager, id);
      const decision = decideHoldChange(merchant, change);
      if (!decision.allowed) throw new DomainError('INVALID_STATE', decision.message);
      const before = { hold: holdOf(merchant), heldBy: merchant.heldBy };
      apply(merchant);
      const saved = await manager.save(merchant);
      await this.audit.record(manager, context, {
        action: change === 'hold' ? 'merchant.held' : 'merchant.released',
        subject: { type: 'merchant', id },
        before,
        after: { hold: holdOf(saved), heldBy: saved.heldBy },
      });
      return saved;
    });
  }

  /** Suspension or reactivation (a change of rights) or themes; the row is locked so the event's before is what was replaced. */
  async update(id: string, change: UpdateMerchantDto, context: AuditContext): Promise<Merchant> {
    return this.uow.run(async (manager) => {
      const merchant = await this.lockedForChange(manager, id);
      const before = toMerchantSnapshot(merchant);
      if (change.status) merchant.status = change.status;
      if (change.themes) merchant.themes = change.themes;
      const saved = await manager.save(merchant);
      await this.audit.record(manager, context, {
        action: 'merchant.updated',
        subject: { type: 'merchant', id },
        before,
        after: toMerchantSnapshot(saved),
      });
      return saved;
    });
  }

  /** The merchant row, locked until the transaction ends, so the change's audit `before` is what it replaced. */
  private async lockedForChange(manager: EntityManager, id: string): Promise<Merchant> {
    const merchant = await manager.findOne(Merchant, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!merchant) throw notFound('merchant', id);
    return merchant;
  }

  private recordKeyCreated(manager: EntityManager, context: AuditContext, key: MerchantApiKey): Promise<void> {
    return this.audit.record(manager, context, {
      action: 'merchant_key.created',
      subject: { type: 'merchant_key', id: key.id },
      after: { merchantId: key.merchantId, ...toApiKeyView(key) },
    });
  }

  /** Settlement's view of who is paid (Payees): name, full bank account, and whether held. */
  async payees(merchantIds: readonly string[], manager?: EntityManager): Promise<Map<string, Payee>> {
    if (merchantIds.length === 0) return new Map();
    const merchants = manager
      ? await manager.find(Merchant, { where: { id: In([...merchantIds]) }, lock: { mode: 'pessimistic_read' } })
      : await this.merchants.findBy({ id: In([...merchantIds]) });
    return new Map(
      merchants.map((m) => [
        m.id,
        { merchantName: m.name, bankName: m.bankName, accountName: m.accountName, accountNumber: m.accountNumber, held: m.heldAt !== null },
      ]),
    );
  }
}
