import { Module } from '@nestjs/common';
import { PagesAssets } from './pages.assets';
import { PagesController } from './pages.controller';

/** The resident's wallet (/wallet) and the merchant's cashier page (/cashier), outside the /api/v1 prefix. */
@Module({
  controllers: [PagesController],
  providers: [PagesAssets],
})
export class PagesModule {}
