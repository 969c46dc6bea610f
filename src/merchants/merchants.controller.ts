import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/auth.decorators';
import { uuidParam } from '../common/validation/params';
import { CreateMerchantDto, ListMerchantsQuery, UpdateMerchantDto } from './dto/merchant.dto';
import { toMerchantView } from './merchant.view';
import { MerchantsService } from './merchants.service';

@ApiTags('merchants')
@ApiBearerAuth()
@Controller('merchants')
export class MerchantsController {
  constructor(private readonly merchants: MerchantsService) {}

  /** Registers a merchant. The API key in the answer is shown this once. */
  @Roles('operator')
  @Post()
  async create(@Body() body: CreateMerchantDto) {
    const { merchant, apiKey } = await this.merchants.register(body);
    return { merchant: toMerchantView(merchant), apiKey };
  }

  @Roles('operator', 'finance', 'auditor')
  @Get()
  async list(@Query() query: ListMerchantsQuery) {
    const page = await this.merchants.list(query);
    return { items: page.items.map(toMerchantView), total: page.total };
  }

  @Roles('operator', 'finance', 'auditor')
  @Get(':id')
  async get(@Param('id', uuidParam) id: string) {
    return toMerchantView(await this.merchants.get(id));
  }

  /** Suspends or reactivates a merchant, or changes the themes it is enrolled in. */
  @Roles('operator')
  @Patch(':id')
  async update(@Param('id', uuidParam) id: string, @Body() body: UpdateMerchantDto) {
    return toMerchantView(await this.merchants.update(id, body));
  }
}
