import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentAuditContext } from '../audit/audit-context';
import type { AuditContext } from '../audit/audit.types';
import { Roles } from '../auth/auth.decorators';
import { PaginationQuery } from '../common/http/pagination';
import { uuidParam } from '../common/validation/params';
import { CreateWebhookDto, UpdateWebhookDto } from './dto/webhook.dto';
import { WebhooksService } from './webhooks.service';
import { toWebhookView } from './webhook.view';

/** Webhook endpoints, managed by admins. */
@ApiTags('webhooks')
@ApiBearerAuth()
@Roles('admin')
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  /** The secret is in this answer only. */
  @Post()
  async create(@Body() body: CreateWebhookDto, @CurrentAuditContext() context: AuditContext) {
    const { endpoint, secret } = await this.webhooks.create(body, context);
    return { webhook: toWebhookView(endpoint), secret };
  }

  @Get()
  async list(@Query() query: PaginationQuery) {
    const page = await this.webhooks.list(query);
    return { items: page.items.map(toWebhookView), total: page.total };
  }

  @Patch(':id')
  async update(@Param('id', uuidParam) id: string, @Body() body: UpdateWebhookDto, @CurrentAuditContext() context: AuditContext) {
    return toWebhookView(await this.webhooks.update(id, body, context));
  }

  @Delete(':id')
  async remove(@Param('id', uuidParam) id: string, @CurrentAuditContext() context: AuditContext) {
    return toWebhookView(await this.webhooks.remove(id, context));
  }

  @Get(':id/deliveries')
  deliveries(@Param('id', uuidParam) id: string, @Query() query: PaginationQuery) {
    return this.webhooks.deliveries(id, query);
  }
}
