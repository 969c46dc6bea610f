import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '../auth/auth.decorators';
import { uuidParam } from '../common/validation/params';
import { campaignStatsCsv } from './stats.export';
import { CampaignStats, OverviewStats, StatsService } from './stats.service';

@ApiTags('statistics')
@ApiBearerAuth()
@Roles('staff')
@Controller('stats')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  /** Every campaign's figures and all of them together; money in fen. */
  @Get('overview')
  overview(): Promise<OverviewStats> {
    return this.stats.overview();
  }

  /** One campaign's figures with its breakdowns by round, denomination, day and merchant. */
  @Get('campaigns/:id')
  campaign(@Param('id', uuidParam) id: string): Promise<CampaignStats> {
    return this.stats.campaign(id);
  }

  /** The same figures as a spreadsheet: RFC 4180 CSV, UTF-8, money in yuan. */
  @Get('campaigns/:id/export.csv')
  @ApiProduces('text/csv')
  async export(@Param('id', uuidParam) id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const stats = await this.stats.campaign(id);
    // Set here, not by decorator: an error answer must stay JSON.
    void reply.header('content-type', 'text/csv; charset=utf-8; header=present');
    void reply.header('content-disposition', `attachment; filename="campaign-${id}-stats.csv"`);
    return campaignStatsCsv(stats);
  }
}
