import { Body, Controller, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentAuditContext } from '../audit/audit-context';
import type { AuditContext } from '../audit/audit.types';
import { Roles } from '../auth/auth.decorators';
import { uuidParam } from '../common/validation/params';
import { editOf } from './campaign.rules';
import { toRoundView } from './campaign.view';
import { UpdateRoundDto } from './dto/campaign.dto';
import { RoundsService } from './rounds.service';

/** A round's edits, cancel and close (its live view, `GET /rounds/:id`, belongs to the claim engine). */
@ApiTags('rounds')
@ApiBearerAuth()
@Controller('rounds')
export class RoundsController {
  constructor(private readonly rounds: RoundsService) {}

  /** Any field of the round's body before its claim window opens; 409 INVALID_STATE after. */
  @Roles('operator')
  @Patch(':id')
  async update(@Param('id', uuidParam) id: string, @Body() body: UpdateRoundDto, @CurrentAuditContext() context: AuditContext) {
    return toRoundView(await this.rounds.update(id, editOf(body), context));
  }

  /** Before the window opens: `cancelled`, its whole allocation back to the campaign. */
  @Roles('operator')
  @Post(':id/cancel')
  @HttpCode(200)
  async cancel(@Param('id', uuidParam) id: string, @CurrentAuditContext() context: AuditContext) {
    return toRoundView(await this.rounds.cancel(id, context));
  }

  /** After the window opened: `closed`, its unclaimed stock's face value back to the campaign. */
  @Roles('operator')
  @Post(':id/close')
  @HttpCode(200)
  async close(@Param('id', uuidParam) id: string, @CurrentAuditContext() context: AuditContext) {
    return toRoundView(await this.rounds.close(id, context));
  }
}
