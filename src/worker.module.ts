import { DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from './config/app-config';
import { backgroundModules, foundationModules } from './process-modules';

/** The worker process (`npm run worker`): the foundation and the background work, nothing of the API. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: WorkerModule, imports: [...foundationModules(config), ...backgroundModules(config)] };
  }
}
