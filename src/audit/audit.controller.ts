import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/auth.decorators';
import { toAuditEventView } from './audit-event.view';
import { AuditEventsService } from './audit-events.service';
import { ListAuditEventsQuery } from './dto/audit.dto';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(private readonly events: AuditEventsService) {}

  @Roles('auditor', 'admin')
  @Get('events')
  async listEvents(@Query() query: ListAuditEventsQuery) {
    const page = await this.events.list(query);
    return { items: page.items.map(toAuditEventView), total: page.total };
  }
}
