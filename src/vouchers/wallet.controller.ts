import { Controller, Get, Header, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators';
import type { ResidentPrincipal } from '../auth/principal';
import { uuidParam } from '../common/validation/params';
import { ListMyVouchersQuery } from './dto/wallet.dto';
import { toVoucherView } from './voucher.view';
import { VouchersService } from './vouchers.service';

/** The resident's wallet: only ever the caller's own vouchers. */
@ApiTags('wallet')
@ApiBearerAuth()
@Roles('resident')
@Controller('me/vouchers')
export class WalletController {
  constructor(private readonly vouchers: VouchersService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async list(@Query() query: ListMyVouchersQuery, @CurrentPrincipal() principal: ResidentPrincipal) {
    const now = new Date();
    const page = await this.vouchers.listForResident(principal.residentId, query, now);
    return { items: page.items.map((voucher) => toVoucherView(voucher, now)), total: page.total };
  }

  /** Another resident's voucher answers 404, so ids cannot be probed. */
  @Get(':id')
  @Header('Cache-Control', 'no-store')
  async get(@Param('id', uuidParam) id: string, @CurrentPrincipal() principal: ResidentPrincipal) {
    return toVoucherView(await this.vouchers.getForResident(principal.residentId, id));
  }
}
