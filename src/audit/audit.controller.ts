import { Controller, Get, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public, Roles } from '../auth/auth.decorators';
import { PaginationQuery } from '../common/http/pagination';
import { uuidParam } from '../common/validation/params';
import { toCheckpointView } from './audit-checkpoint.view';
import { AuditCheckpointsService } from './audit-checkpoints.service';
import { toAuditEventView } from './audit-event.view';
import { AuditEventsService } from './audit-events.service';
import { AUDIT_SIGNING_KEY, AuditSigningKey } from './audit-signing-key';
import { InclusionProofQuery, ListAuditEventsQuery } from './dto/audit.dto';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(
    private readonly events: AuditEventsService,
    private readonly checkpoints: AuditCheckpointsService,
    @Inject(AUDIT_SIGNING_KEY) private readonly key: AuditSigningKey,
  ) {}

  @Roles('auditor', 'admin')
  @Get('events')
  async listEvents(@Query() query: ListAuditEventsQuery) {
    const page = await this.events.list(query);
    return { items: page.items.map(toAuditEventView), total: page.total };
  }

  @Roles('auditor', 'admin')
  @Get('events/:id/proof')
  async proof(@Param('id', uuidParam) id: string, @Query() query: InclusionProofQuery) {
    const proof = await this.checkpoints.proof(id, query.size);
    return { ...proof, checkpoint: toCheckpointView(proof.checkpoint) };
  }

  @Roles('auditor', 'admin')
  @Get('checkpoints')
  async listCheckpoints(@Query() query: PaginationQuery) {
    const page = await this.checkpoints.list(query);
    return { items: page.items.map(toCheckpointView), total: page.total };
  }

  /** 201 with a new checkpoint, or 200 with the latest when it already covers every event. */
  @Roles('auditor', 'admin')
  @Post('checkpoints')
  async createCheckpoint(@Res({ passthrough: true }) reply: FastifyReply) {
    const { checkpoint, created } = await this.checkpoints.create();
    reply.code(created ? 201 : 200);
    return toCheckpointView(checkpoint);
  }

  /** Anyone may check a checkpoint's signature: the key, its id and its algorithm are public. */
  @Public()
  @Get('public-key')
  publicKey() {
    return { keyId: this.key.keyId, algorithm: 'Ed25519', publicKey: this.key.publicKeyPem };
  }
}
