import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Public, Roles } from '../auth/auth.decorators';
import type { Principal, ResidentPrincipal } from '../auth/principal';
import { toRoundView } from '../campaigns/campaign.view';
import { uuidParam } from '../common/validation/params';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { toVoucherView } from '../vouchers/voucher.view';
import { ClaimsService } from './claims.service';
import { CreateClaimDto } from './dto/claim.dto';

@ApiTags('claims')
@ApiBearerAuth()
@Controller()
export class ClaimsController {
  constructor(private readonly claims: ClaimsService) {}

  /**
   * Claims one voucher. 201 only once the voucher is stored; 409 SOLD_OUT, ALREADY_CLAIMED
   * or ROUND_NOT_OPEN; 429 over the rate limits; 503 while Redis or PostgreSQL is away.
   */
  @Roles('resident')
  @RateLimit('claims.resident', 'claims.ip')
  @Post('claims')
  @HttpCode(201)
  async claim(@Body() body: CreateClaimDto, @CurrentPrincipal() principal: ResidentPrincipal) {
    return toVoucherView(await this.claims.claim(principal.residentId, body.denominationId));
  }

  /** A round with live `remaining` per denomination. */
  @Public()
  @Get('rounds/:id')
  async round(@Param('id', uuidParam) id: string, @CurrentPrincipal('optional') principal?: Principal) {
    const { round, remaining } = await this.claims.roundWithRemaining(id, principal);
    return toRoundView(round, remaining);
  }
}
