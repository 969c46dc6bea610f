import { Module } from '@nestjs/common';
import { OutstandingService } from './outstanding.service';

/** What merchants owe, apart from the settlement module's runs and worker so the merchants module can import it. */
@Module({ providers: [OutstandingService], exports: [OutstandingService] })
export class OutstandingModule {}
