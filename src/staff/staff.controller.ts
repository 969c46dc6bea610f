import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentAuditContext } from '../audit/audit-context';
import type { AuditContext } from '../audit/audit.types';
import { Roles } from '../auth/auth.decorators';
import { PaginationQuery } from '../common/http/pagination';
import { uuidParam } from '../common/validation/params';
import { CreateStaffDto, UpdateStaffDto } from './dto/staff.dto';
import { StaffService } from './staff.service';
import { toStaffView } from './staff.view';

/** Staff accounts, managed by admins. */
@ApiTags('staff')
@ApiBearerAuth()
@Roles('admin')
@Controller('staff')
export class StaffController {
  constructor(private readonly staff: StaffService) {}

  @Post()
  async create(@Body() body: CreateStaffDto, @CurrentAuditContext() context: AuditContext) {
    return toStaffView(await this.staff.create(body, context));
  }

  @Get()
  async list(@Query() query: PaginationQuery) {
    const page = await this.staff.list(query);
    return { items: page.items.map(toStaffView), total: page.total };
  }

  /** Roles, status or password; disabling or a new password ends the member's sessions at once. */
  @Patch(':id')
  async update(@Param('id', uuidParam) id: string, @Body() body: UpdateStaffDto, @CurrentAuditContext() context: AuditContext) {
    return toStaffView(await this.staff.update(id, body, context));
  }
}
