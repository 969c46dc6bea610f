import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { toApprovalView } from '../approvals/approval.view';
import { CurrentAuditContext } from '../audit/audit-context';
import type { AuditContext } from '../audit/audit.types';
import { CurrentPrincipal, Public, Roles } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { uuidParam } from '../common/validation/params';
import type { CampaignStatus } from './campaign.entity';
import { toCampaignView, toRoundView } from './campaign.view';
import { CampaignOutcome, CampaignsService } from './campaigns.service';
import { RoundsService } from './rounds.service';
import { CreateCampaignDto, CreateRoundDto, ListCampaignsQuery, UpdateCampaignDto } from './dto/campaign.dto';

/** What a caller who is not bureau staff may see of campaigns. */
function visibleStatuses(principal: Principal | undefined, forList: boolean): readonly CampaignStatus[] | undefined {
  if (principal?.role === 'bureau') return undefined;
  return forList ? ['active'] : ['active', 'closed'];
}

/**
 * 200 with the campaign when the change was made; 202 `{approval}` when the four-eyes rule
 * holds it for a second operator. Sent by hand: Nest would overwrite a status set on a
 * passthrough reply with the route's fixed one.
 */
function sendOutcome(reply: FastifyReply, outcome: CampaignOutcome): void {
  if ('approval' in outcome) void reply.status(202).send({ approval: toApprovalView(outcome.approval) });
  else void reply.status(200).send(toCampaignView(outcome.campaign));
}

@ApiTags('campaigns')
@ApiBearerAuth()
@Controller('campaigns')
export class CampaignsController {
  constructor(
    private readonly campaigns: CampaignsService,
    private readonly rounds: RoundsService,
  ) {}

  @Roles('operator')
  @Post()
  async create(@Body() body: CreateCampaignDto, @CurrentAuditContext() context: AuditContext) {
    return toCampaignView(await this.campaigns.create(body, context));
  }

  /** Anyone: active campaigns. Bureau: every campaign, filtered by `status` and `theme`. */
  @Public()
  @Get()
  async list(@Query() query: ListCampaignsQuery, @CurrentPrincipal('optional') principal?: Principal) {
    const page = await this.campaigns.list(query, visibleStatuses(principal, true));
    return { items: page.items.map(toCampaignView), total: page.total };
  }

  /** A campaign with its rounds (live stock per round: `GET /rounds/:id`). */
  @Public()
  @Get(':id')
  async get(@Param('id', uuidParam) id: string, @CurrentPrincipal('optional') principal?: Principal) {
    const { campaign, rounds } = await this.campaigns.getWithRounds(id, visibleStatuses(principal, false));
    return { ...toCampaignView(campaign), rounds: rounds.map((round) => toRoundView(round)) };
  }

  /** A draft: any field. An active campaign: budget (a rise needs approval under four-eyes), endsAt, description. */
  @Roles('operator')
  @Patch(':id')
  async update(
    @Param('id', uuidParam) id: string,
    @Body() body: UpdateCampaignDto,
    @CurrentAuditContext() context: AuditContext,
    @Res() reply: FastifyReply,
  ) {
    sendOutcome(reply, await this.campaigns.update(id, body, context));
  }

  @Roles('operator')
  @Post(':id/publish')
  async publish(@Param('id', uuidParam) id: string, @CurrentAuditContext() context: AuditContext, @Res() reply: FastifyReply) {
    sendOutcome(reply, await this.campaigns.publish(id, context));
  }

  @Roles('operator')
  @Post(':id/close')
  @HttpCode(200)
  async close(@Param('id', uuidParam) id: string, @CurrentAuditContext() context: AuditContext) {
    return toCampaignView(await this.campaigns.close(id, context));
  }

  /** Adds a round; 422 BUDGET_EXCEEDED when its face value does not fit the campaign budget. */
  @Roles('operator')
  @Post(':id/rounds')
  async createRound(@Param('id', uuidParam) id: string, @Body() body: CreateRoundDto, @CurrentAuditContext() context: AuditContext) {
    const round = await this.rounds.create(id, body, context);
    return toRoundView(round, new Map(round.denominations.map((d) => [d.id, d.quantity])));
  }
}
