import { Body, Controller, Delete, Get, Header, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentAuditContext } from '../audit/audit-context';
import type { AuditContext } from '../audit/audit.types';
import { CurrentPrincipal, Public, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { forbidden } from '../common/errors/domain-error';
import { uuidParam } from '../common/validation/params';
import {
  CreateApiKeyDto,
  CreateMerchantDto,
  HoldMerchantDto,
  ListMerchantsQuery,
  MerchantDirectoryQuery,
  UpdateMerchantDto,
} from './dto/merchant.dto';
import { toApiKeyView, toDirectoryEntry, toMerchantView } from './merchant.view';
import { MerchantsService } from './merchants.service';

@ApiTags('merchants')
@ApiBearerAuth()
@Controller('merchants')
export class MerchantsController {
  constructor(private readonly merchants: MerchantsService) {}

  /** Registers a merchant. The API key in the answer is shown this once. */
  @Roles('operator')
  @Post()
  @Header('Cache-Control', 'no-store')
  async create(@Body() body: CreateMerchantDto, @CurrentAuditContext() context: AuditContext) {
    const { merchant, apiKey } = await this.merchants.register(body, context);
    return { merchant: toMerchantView(merchant, 0), apiKey };
  }

  @Roles('operator', 'finance', 'auditor')
  @Get()
  async list(@Query() query: ListMerchantsQuery) {
    const page = await this.merchants.list(query);
    return { items: await this.merchants.views(page.items), total: page.total };
  }

  /** Anyone: the active merchants (name and themes only), so residents can see where a voucher can be used. */
  @Public()
  @Get('directory')
  async directory(@Query() query: MerchantDirectoryQuery) {
    const page = await this.merchants.list({ ...query, status: 'active' });
    return { items: page.items.map(toDirectoryEntry), total: page.total };
  }

  @Roles('operator', 'finance', 'auditor')
  @Get(':id')
  async get(@Param('id', uuidParam) id: string) {
    const [view] = await this.merchants.views([await this.merchants.get(id)]);
    return view;
  }

  /** Suspends or reactivates a merchant, or changes the themes it is enrolled in. */
  @Roles('operator')
  @Patch(':id')
  async update(@Param('id', uuidParam) id: string, @Body() body: UpdateMerchantDto, @CurrentAuditContext() context: AuditContext) {
    const [view] = await this.merchants.views([await this.merchants.update(id, body, context)]);
    return view;
  }

  /** Holds the merchant: settlement runs leave it out until released; it may still redeem, not reverse. */
  @Roles('finance')
  @Post(':id/hold')
  @HttpCode(200)
  async hold(@Param('id', uuidParam) id: string, @Body() body: HoldMerchantDto, @CurrentAuditContext() context: AuditContext) {
    const [view] = await this.merchants.views([await this.merchants.hold(id, body.reason, context)]);
    return view;
  }

  /** Ends the hold: the next settlement run takes everything it kept back. */
  @Roles('finance')
  @Post(':id/release')
  @HttpCode(200)
  async release(@Param('id', uuidParam) id: string, @CurrentAuditContext() context: AuditContext) {
    const [view] = await this.merchants.views([await this.merchants.release(id, context)]);
    return view;
  }

  /** Another API key (one per till); the key in the answer is shown this once. */
  @Roles('operator', 'merchant')
  @Post(':id/keys')
  @Header('Cache-Control', 'no-store')
  async createKey(
    @Param('id', uuidParam) id: string,
    @Body() body: CreateApiKeyDto,
    @CurrentPrincipal() principal: Principal,
    @CurrentAuditContext() context: AuditContext,
  ) {
    assertOwnOrStaff(principal, id);
    const { key, apiKey } = await this.merchants.issueKey(id, body.label, context);
    return { key: { id: key.id, label: key.label, createdAt: key.createdAt }, apiKey };
  }

  @Roles('operator', 'auditor', 'merchant')
  @Get(':id/keys')
  async listKeys(@Param('id', uuidParam) id: string, @CurrentPrincipal() principal: Principal) {
    assertOwnOrStaff(principal, id);
    return { items: (await this.merchants.listKeys(id)).map(toApiKeyView) };
  }

  /** Revokes one key; every API process refuses it from its next request on. */
  @Roles('operator', 'merchant')
  @Delete(':id/keys/:keyId')
  async revokeKey(
    @Param('id', uuidParam) id: string,
    @Param('keyId', uuidParam) keyId: string,
    @CurrentPrincipal() principal: Principal,
    @CurrentAuditContext() context: AuditContext,
  ) {
    assertOwnOrStaff(principal, id);
    return toApiKeyView(await this.merchants.revokeKey(id, keyId, context));
  }
}

/** A merchant manages only its own keys; staff allowed by the route manage any merchant's. */
function assertOwnOrStaff(principal: Principal, merchantId: string): void {
  if (principal.role === 'merchant' && principal.merchantId !== merchantId) throw forbidden("These are another merchant's keys");
}
